/**
 * Announcements, for admins, supervisors and operators: /announcements
 * (every slot: recorded by phone or uploaded, or played somewhere and not
 * yet recorded, with its length and where it is played), upload into a
 * slot (PUT, multipart/form-data, field `file`), download to listen,
 * delete when nothing plays it.
 *
 * An upload is any audio sox reads (by the file name's extension; MP3 needs
 * Debian's libsox-fmt-mp3), up to `uploadLimitBytes`, converted to the
 * engines' form (media/convert-audio.ts) and renamed over the slot's file:
 * the next caller hears it. Over the limit is a 413, not audio a 415, and
 * nothing is kept of either. The files are this machine's
 * (DATA_DIR/announcements): instances sharing Redis need that folder on a
 * shared volume.
 */
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { AudioConversionError } from '../../media/convert-audio.js';
import { announcementUses, describeUse, type AnnouncementUse } from '../calls/announcement-uses.js';
import type { FileAnnouncementStore, RecordingInfo } from '../calls/announcements.js';
import type { RunningConfig } from '../running/index.js';
import { ApiProblem, badRequest, conflict, notFound } from './problem.js';
import { OPERATIONS } from './roles.js';

export interface AnnouncementsRoutesDeps {
  running: RunningConfig;
  announcements: FileAnnouncementStore;
  /** Largest upload in bytes; default 20 MiB. */
  uploadLimitBytes?: number;
}

export const DEFAULT_UPLOAD_LIMIT = 20 * 1024 * 1024;

const Params = Type.Object({ slot: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'lower-case letters, digits, "-" and "_"' }) });

const UseSchema = Type.Object({
  kind: Type.Enum(['flow', 'queue', 'avalanche']),
  flow: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
  queue: Type.Optional(Type.String({ description: 'absent for a queue node without one: the queue of the caller\'s service' })),
  id: Type.Optional(Type.String({ description: 'the avalanche message' })),
}, { title: 'AnnouncementUse' });

const AnnouncementSchema = Type.Object({
  slot: Type.String(),
  recorded: Type.Boolean(),
  bytes: Type.Optional(Type.Integer()),
  seconds: Type.Optional(Type.Number({ description: 'length of the recording' })),
  modified: Type.Optional(Type.String({ format: 'date-time' })),
  recordable: Type.Boolean({ description: 'offered by the recording flow (*77)' }),
  uses: Type.Array(UseSchema, { description: 'flow nodes, queues\' brand messages and avalanche messages that play it' }),
}, { title: 'Announcement' });

type Announcement = Static<typeof AnnouncementSchema>;

/** The extension sox reads the upload by, from the name the client gave it. */
function extensionOf(filename: string): string | undefined {
  return /\.([a-z0-9]{1,8})$/.exec(filename.toLowerCase())?.[1];
}

function conversionProblem(err: AudioConversionError): ApiProblem {
  switch (err.reason) {
    case 'sox-missing': return new ApiProblem(503, 'Service Unavailable', `${err.message}: uploads cannot be converted`);
    case 'format-unavailable': return new ApiProblem(415, 'Unsupported Media Type', err.message, 'file');
    case 'not-audio': return new ApiProblem(415, 'Unsupported Media Type', err.message, 'file', 'not-audio');
  }
}

export function announcementsRoutes({ running, announcements, uploadLimitBytes = DEFAULT_UPLOAD_LIMIT }: AnnouncementsRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(multipart);
    const config = { roles: OPERATIONS };

    const all = async (): Promise<Announcement[]> => {
      const { flows, operational } = running.current;
      const { uses, recordable } = announcementUses(flows, operational.avalanche);
      const recorded = new Map((await announcements.list()).map((r) => [r.slot, r]));
      const slots = [...new Set([...recorded.keys(), ...uses.keys(), ...recordable])].sort();
      return slots.map((slot) => describe(slot, recorded.get(slot), uses.get(slot) ?? [], recordable.has(slot)));
    };
    const one = async (slot: string): Promise<Announcement> => {
      const found = (await all()).find((a) => a.slot === slot);
      if (!found) throw notFound('announcement', slot);
      return found;
    };

    app.get('/announcements', {
      config,
      schema: { summary: 'Every announcement slot: recorded or uploaded, or played somewhere and not yet recorded', response: { 200: Type.Array(AnnouncementSchema) } },
    }, all);

    app.get('/announcements/:slot', {
      config,
      schema: { summary: 'One announcement slot', params: Params, response: { 200: AnnouncementSchema } },
    }, async (request) => one(request.params.slot));

    app.get('/announcements/:slot/audio', {
      config,
      schema: {
        summary: 'The recording, to listen to (8 kHz mono 16-bit WAV)',
        params: Params,
        produces: ['audio/wav'],
        response: { 200: Type.Unsafe<ReadStream>({ type: 'string', format: 'binary', description: 'The WAV file' }) },
      },
    }, async (request, reply) => {
      const file = await announcements.current(request.params.slot);
      if (!file) throw notFound('recording for announcement', request.params.slot);
      return reply.type('audio/wav').header('content-disposition', `attachment; filename="${request.params.slot}.wav"`).send(createReadStream(file));
    });

    app.put('/announcements/:slot', {
      config,
      schema: {
        summary: `Upload a recording into a slot (multipart/form-data, field "file"; any audio sox reads, up to ${uploadLimitBytes} bytes): the next caller hears it`,
        params: Params,
        consumes: ['multipart/form-data'],
        response: { 200: AnnouncementSchema },
      },
    }, async (request) => {
      const { slot } = request.params;
      if (!request.isMultipart()) throw new ApiProblem(415, 'Unsupported Media Type', 'send the recording as multipart/form-data, in a field named "file"');
      const part = await request.file({ limits: { fileSize: uploadLimitBytes, files: 1 } });
      if (!part) throw badRequest('no file in the form: send the recording in a field named "file"', 'file');
      const extension = extensionOf(part.filename);
      const upload = announcements.uploadFile(extension);
      try {
        await pipeline(part.file, createWriteStream(upload));
        if (part.file.truncated) throw new ApiProblem(413, 'Content Too Large', `the recording is larger than ${uploadLimitBytes} bytes`, 'file', 'too-large');
        await announcements.saveUpload(slot, upload, extension);
      } catch (err) {
        if (err instanceof AudioConversionError) throw conversionProblem(err);
        throw err;
      } finally {
        await rm(upload, { force: true });
      }
      request.log.info({ by: request.user!.name, slot, from: extension ?? 'unnamed' }, 'announcement uploaded');
      return one(slot);
    });

    app.delete('/announcements/:slot', {
      config,
      schema: { summary: 'Delete a recording nothing plays (409 names what does)', params: Params, response: { 204: Type.Null() } },
    }, async (request, reply) => {
      const { slot } = request.params;
      const { flows, operational } = running.current;
      const uses = announcementUses(flows, operational.avalanche).uses.get(slot) ?? [];
      if (uses.length > 0) throw conflict(`announcement '${slot}' is played by ${uses.map(describeUse).join(', ')}`);
      if (!(await announcements.remove(slot))) throw notFound('recording for announcement', slot);
      request.log.info({ by: request.user!.name, slot }, 'announcement deleted');
      return reply.code(204).send(null);
    });
  };
}

function describe(slot: string, recording: RecordingInfo | undefined, uses: AnnouncementUse[], recordable: boolean): Announcement {
  return {
    slot,
    recorded: recording !== undefined,
    ...(recording ? { bytes: recording.bytes, modified: recording.modified.toISOString() } : {}),
    ...(recording?.seconds !== undefined ? { seconds: Math.round(recording.seconds * 100) / 100 } : {}),
    recordable,
    uses,
  };
}
