/** Every node type, by the name flows use in `type:`. One module per type. */
import { avalanche } from './avalanche.js';
import { callback } from './callback.js';
import { goto } from './goto.js';
import { hangup } from './hangup.js';
import { hours } from './hours.js';
import { http } from './http.js';
import { menu } from './menu.js';
import type { NodeType } from './node.js';
import { play } from './play.js';
import { queue } from './queue.js';
import { recordAnnouncement } from './record-announcement.js';
import { set } from './set.js';
import { transfer } from './transfer.js';

export type { IvrNode, NodeType, SoundSpec, CheckEnv } from './node.js';

const all = [play, menu, hours, avalanche, queue, callback, transfer, http, set, goto, hangup, recordAnnouncement] as unknown as NodeType[];

export const NODE_TYPES: ReadonlyMap<string, NodeType> = new Map(all.map((t) => [t.type, t]));
