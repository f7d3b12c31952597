/** The pages' entry point (index.html loads it): defines the elements, the app takes over. */
import './app.js';
