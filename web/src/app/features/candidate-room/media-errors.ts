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

/** Opens camera and microphone at the size the server analyzes. */
export async function openCameraAndMic(
  mediaDevices: MediaDevices | undefined,
): Promise<MediaStream> {
  if (!mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('no mediaDevices'), { name: 'InsecureContext' });
  }
  return mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24, max: 30 } },
    audio: { echoCancellation: true, noiseSuppression: true },
  });
}
