/** Stands in for RTCPeerConnection (jsdom has none); records what the service asks of it. */
export class FakePeerConnection {
  connectionState: RTCPeerConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  localDescription: { toJSON: () => RTCSessionDescriptionInit } | null = null;
  remote: RTCSessionDescriptionInit[] = [];
  candidates: (RTCIceCandidateInit | undefined)[] = [];
  tracks = 0;
  restarted = 0;
  closed = false;
  onnegotiationneeded: (() => Promise<void>) | null = null;
  onicecandidate: unknown = null;
  onconnectionstatechange: (() => void) | null = null;
  ontrack: unknown = null;

  get remoteDescription(): RTCSessionDescriptionInit | null {
    return this.remote.at(-1) ?? null;
  }

  readonly senders: { track: unknown; replaceTrack: (t: unknown) => Promise<void> }[] = [];

  addTrack(track: unknown = {}): unknown {
    this.tracks++;
    const sender = {
      track,
      replaceTrack: async (t: unknown) => void (sender.track = t),
    };
    this.senders.push(sender);
    return sender;
  }
  removeTrack(sender: unknown): void {
    const i = this.senders.indexOf(sender as (typeof this.senders)[number]);
    if (i >= 0) {
      this.senders.splice(i, 1);
      this.tracks--;
    }
  }
  getSenders(): unknown[] {
    return this.senders;
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.remote.push(d);
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
  }
  async setLocalDescription(): Promise<void> {
    const type: RTCSdpType = this.signalingState === 'have-remote-offer' ? 'answer' : 'offer';
    this.signalingState = type === 'offer' ? 'have-local-offer' : 'stable';
    this.localDescription = { toJSON: () => ({ type, sdp: `${type}-sdp` }) };
  }
  async addIceCandidate(c?: RTCIceCandidateInit): Promise<void> {
    this.candidates.push(c);
  }
  restartIce(): void {
    this.restarted++;
  }
  close(): void {
    this.closed = true;
  }
  setState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}
