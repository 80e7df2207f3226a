import { SocketState } from '../core/socket';
import { PeerState } from '../core/webrtc';
import { BadgeTone } from './status-badge';

export interface Badge {
  label: string;
  text: string;
  tone: BadgeTone;
}

export function socketBadge(state: SocketState): Badge {
  switch (state) {
    case 'connected':
      return { label: 'Server', text: 'connected', tone: 'ok' };
    case 'connecting':
      return { label: 'Server', text: 'connecting…', tone: 'warn' };
    case 'reconnecting':
      return { label: 'Server', text: 'connection lost, reconnecting…', tone: 'bad' };
    case 'refused':
      return { label: 'Server', text: 'refused this link', tone: 'bad' };
    case 'closed':
      return { label: 'Server', text: 'disconnected', tone: 'idle' };
    default:
      return { label: 'Server', text: 'not connected', tone: 'idle' };
  }
}

/** The live video link, as seen by one side; `present` says whether the other side is in the room. */
export function peerBadge(
  state: PeerState,
  present: boolean,
  other: 'candidate' | 'interviewer',
): Badge {
  const label = 'Video';
  if (!present && state !== 'connected') {
    return { label, text: `waiting for the ${other}`, tone: 'idle' };
  }
  switch (state) {
    case 'connected':
      return { label, text: 'live', tone: 'ok' };
    case 'new':
    case 'connecting':
    case 'idle':
      return { label, text: 'connecting…', tone: 'warn' };
    case 'disconnected':
      return { label, text: 'interrupted, reconnecting…', tone: 'bad' };
    case 'failed':
      return { label, text: 'failed, restarting…', tone: 'bad' };
    default:
      return { label, text: 'closed', tone: 'idle' };
  }
}
