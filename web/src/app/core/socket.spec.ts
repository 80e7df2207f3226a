import { TestBed } from '@angular/core/testing';
import type { Socket } from 'socket.io-client';
import { SocketService } from './socket';
import { FakeSocket } from './testing/fake-socket';

function setup(): { service: SocketService; fake: FakeSocket; tokens: string[] } {
  TestBed.configureTestingModule({ providers: [SocketService] });
  const service = TestBed.inject(SocketService);
  const fake = new FakeSocket();
  const tokens: string[] = [];
  service.factory = (token) => {
    tokens.push(token);
    return fake as unknown as Socket;
  };
  return { service, fake, tokens };
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('SocketService', () => {
  it('joins after connecting, and again after each reconnect (marked as a rejoin)', async () => {
    const { service, fake, tokens } = setup();
    const joins: boolean[] = [];
    service.connect({
      token: 'tok',
      sessionId: 's-1',
      role: 'candidate',
      onJoined: (_a, rejoin) => joins.push(rejoin),
    });
    expect(tokens).toEqual(['tok']);
    expect(service.state()).toBe('connecting');

    fake.connected = true;
    fake.fire('connect');
    await flush();
    expect(fake.emitted[0]).toEqual({
      event: 'join',
      payload: { session_id: 's-1', role: 'candidate' },
    });
    expect(service.state()).toBe('connected');

    fake.connected = false;
    fake.fire('disconnect', 'transport close');
    expect(service.state()).toBe('reconnecting');
    fake.connected = true;
    fake.fire('connect');
    await flush();
    expect(joins).toEqual([false, true]);
    expect(service.state()).toBe('connected');
  });

  it('sends the name only when there is one', async () => {
    const { service, fake } = setup();
    service.connect({
      token: 't',
      sessionId: 's',
      role: 'interviewer',
      name: ' Grace ',
      onJoined: () => undefined,
    });
    fake.connected = true;
    fake.fire('connect');
    await flush();
    expect(fake.emitted[0].payload).toEqual({
      session_id: 's',
      role: 'interviewer',
      name: 'Grace',
    });
  });

  it('reports a refused join and stays refused', async () => {
    const { service, fake } = setup();
    fake.joinAck = { ok: false, error: 'the session has ended' };
    const refused: string[] = [];
    service.connect({
      token: 't',
      sessionId: 's',
      role: 'candidate',
      onJoined: () => undefined,
      onRefused: (r) => refused.push(r),
    });
    fake.connected = true;
    fake.fire('connect');
    await flush();
    fake.fire('disconnect', 'io client disconnect');
    expect(refused).toEqual(['the session has ended']);
    expect(service.state()).toBe('refused');
  });

  it('reports a refused token (the client gives up reconnecting)', () => {
    const { service, fake } = setup();
    service.connect({ token: 'bad', sessionId: 's', role: 'candidate', onJoined: () => undefined });
    fake.active = false;
    fake.fire('connect_error', new Error('invalid token'));
    expect(service.state()).toBe('refused');
    expect(service.lastError()).toBe('invalid token');
  });

  it('does not queue requests while offline', async () => {
    const { service, fake } = setup();
    service.connect({ token: 't', sessionId: 's', role: 'candidate', onJoined: () => undefined });
    await expect(service.request('frame', {})).rejects.toThrow('not connected');
    expect(service.send('signal', {})).toBe(false);
    expect(fake.emitted).toEqual([]);
  });
});
