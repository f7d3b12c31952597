/** A stylesheet imported as text (vite's `?inline`), for a component's shadow root. */
declare module '*.css?inline' {
  const css: string;
  export default css;
}
