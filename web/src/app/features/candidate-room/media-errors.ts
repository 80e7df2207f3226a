/** A clear message for why the camera or microphone could not be opened. */
export function describeMediaError(error: unknown): string {
  const name = (error as { name?: string } | null)?.name ?? '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Access to the camera or microphone was denied. Allow both for this site in the browser’s address bar or site settings, then try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. Connect a camera and a microphone (or enable them in the system settings), then try again.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera or microphone is in use by another application or could not be started. Close other apps using it, then try again.';
    case 'InsecureContext':
      return 'This page must be opened over https (or on localhost) to use the camera.';
    default:
      return `The camera or microphone could not be opened${name ? ` (${name})` : ''}. Try again.`;
  }
}

/** Opens camera and microphone at the size the server analyzes, tuned to keep detail. */
export async function openCameraAndMic(
  mediaDevices: MediaDevices | undefined,
): Promise<MediaStream> {
  if (!mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('no mediaDevices'), { name: 'InsecureContext' });
  }
  const stream = await mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24, max: 30 } },
    audio: { echoCancellation: true, noiseSuppression: true },
  });
  // The interviewer needs faces and objects sharp more than smooth motion: the encoder lowers
  // the frame rate, not the resolution, when bandwidth or CPU is short (and at the start).
  for (const track of stream.getVideoTracks()) {
    track.contentHint = 'detail';
  }
  return stream;
}
