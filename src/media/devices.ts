// Camera and microphone: the constraints a call asks for, and getUserMedia errors turned into a
// JsongleError that names the device and the reason. Part of src/media/, the only code touching WebRTC.
import { JsongleError } from '../errors.ts';
import type { Media } from '../protocol/messages.ts';

/** Extra constraints for each kind, merged into what the call's media asks for (device ids, resolution…). */
export interface MediaConstraintsOptions {
  audio?: MediaTrackConstraints;
  video?: MediaTrackConstraints;
}

export type DeviceKind = 'audio' | 'video';
/** What a device problem is called in errors and translations. */
export type DeviceName = 'microphone' | 'camera';
/** Why a device could not be used. */
export type MediaFailure = 'denied' | 'not-found' | 'in-use' | 'overconstrained' | 'unsupported' | 'failed';

export const DEVICE_NAME: Record<DeviceKind, DeviceName> = { audio: 'microphone', video: 'camera' };

/** The kinds of track a call of `media` needs: audio → mic; video → mic + camera; video-only → camera. */
export const kindsFor = (media: Media): DeviceKind[] =>
  media === 'audio' ? ['audio'] : media === 'video-only' ? ['video'] : ['audio', 'video'];

export function constraintsFor(kinds: DeviceKind[], extra: MediaConstraintsOptions = {}): MediaStreamConstraints {
  const pick = (kind: DeviceKind) => (kinds.includes(kind) ? (extra[kind] && Object.keys(extra[kind]!).length ? { ...extra[kind] } : true) : false);
  return { audio: pick('audio'), video: pick('video') };
}

const FAILURE: Record<string, MediaFailure> = {
  NotAllowedError: 'denied',
  PermissionDeniedError: 'denied',
  SecurityError: 'denied',
  NotFoundError: 'not-found',
  DevicesNotFoundError: 'not-found',
  NotReadableError: 'in-use',
  TrackStartError: 'in-use',
  AbortError: 'in-use',
  OverconstrainedError: 'overconstrained',
  ConstraintNotSatisfiedError: 'overconstrained',
};
const WHY: Record<MediaFailure, string> = {
  denied: 'permission refused',
  'not-found': 'no such device',
  'in-use': 'the device is busy or could not be started',
  overconstrained: 'no device satisfies the constraints',
  unsupported: 'media devices are not available in this context (a secure context is required)',
  failed: 'the device could not be opened',
};

export const failureOf = (e: unknown): MediaFailure => FAILURE[(e as { name?: string })?.name ?? ''] ?? 'failed';

/**
 * The error for devices that could not be opened. `detail.devices` lists them (`microphone`,
 * `camera`), `detail.reason` says why, `detail.name` is the DOMException's name.
 */
export function mediaError(kinds: DeviceKind[], cause: unknown, reason: MediaFailure = failureOf(cause), sid?: string): JsongleError {
  const devices = kinds.map((k) => DEVICE_NAME[k]);
  const name = (cause as { name?: string })?.name ?? 'Error';
  const constraint = (cause as { constraint?: string })?.constraint;
  const said = (cause as { message?: string })?.message;
  const message = `Cannot use the ${devices.join(' and the ')}: ${WHY[reason]}` +
    (constraint ? ` (constraint '${constraint}')` : '') + ` [${name}${said ? `: ${said}` : ''}]`;
  return new JsongleError('media', message, { device: devices.join('+'), devices, reason, name, constraint, sid });
}

/**
 * Opens the devices for `kinds`. On failure, when several kinds were asked for, tries each alone to
 * find which device is at fault (getUserMedia's error does not say), then throws the JsongleError.
 */
export async function openDevices(kinds: DeviceKind[], extra: MediaConstraintsOptions = {}, sid?: string): Promise<MediaStream> {
  const devices = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
  if (!devices?.getUserMedia) throw mediaError(kinds, undefined, 'unsupported', sid);
  try {
    return await devices.getUserMedia(constraintsFor(kinds, extra));
  } catch (error) {
    let faulty = kinds;
    if (kinds.length > 1) {
      const alone = await Promise.all(kinds.map((k) => devices.getUserMedia(constraintsFor([k], extra)).then(
        (s) => { s.getTracks().forEach((t) => t.stop()); return null; },
        (e) => [k, e] as const,
      )));
      const failed = alone.filter((x) => x !== null);
      if (failed.length) {
        faulty = failed.map(([k]) => k);
        if (failed.length === 1) throw mediaError(faulty, failed[0][1], undefined, sid);
      }
    }
    throw mediaError(faulty, error, undefined, sid);
  }
}
