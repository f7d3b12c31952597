/**
 * The arrow from a node's way out to the node it leads to, as an SVG path
 * between the two boxes (coordinates relative to the picture). A target to
 * the right is reached by a curve from the way out's end to the target's
 * left side; any other (a step back, or every arrow when the boxes stand
 * in one column on a phone) runs out to a lane in the margin on the right,
 * along it, and into the target's right side. Lanes sit a few pixels apart,
 * so arrows side by side stay apart.
 */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const LANES = 6;
const LANE_GAP = 5;
const MARGIN = 10;
/** Where an arrow meets its target box, below its top edge: beside the node's name. */
const INTO_TARGET = 16;

export function edgePath(source: Box, y: number, target: Box, lane: number): { d: string; usedLane: boolean } {
  const into = target.top + INTO_TARGET;
  if (target.left >= source.right) {
    const bend = (target.left - source.right) / 2;
    return { d: `M ${source.right} ${y} C ${source.right + bend} ${y}, ${target.left - bend} ${into}, ${target.left} ${into}`, usedLane: false };
  }
  const x = Math.max(source.right, target.right) + MARGIN + (lane % LANES) * LANE_GAP;
  return { d: `M ${source.right} ${y} H ${x} V ${into} H ${target.right}`, usedLane: true };
}
