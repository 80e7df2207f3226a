import { Injectable } from '@angular/core';
import { Role } from './models';

/** A room link parsed: `/c/{id}#token=..`, `/i/{id}#token=..` or `/review/{id}#token=..`. */
export interface RoomLink {
  sessionId: string;
  role: Role;
  token: string;
}

const ROOM_PATH = /^\/(c|i|review)\/([^/?#]+)\/?$/;

/** Reads a room path and its `#token=` fragment; null when either is missing. */
export function parseRoomLink(pathname: string, hash: string): RoomLink | null {
  const match = ROOM_PATH.exec(pathname);
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  if (!match || !token) {
    return null;
  }
  return {
    sessionId: decodeURIComponent(match[2]),
    role: match[1] === 'c' ? 'candidate' : 'interviewer',
    token,
  };
}

/** Parses a full link pasted by a person (absolute URL or a path). */
export function parsePastedLink(text: string): RoomLink | null {
  try {
    const url = new URL(text.trim(), 'http://placeholder.invalid');
    return parseRoomLink(url.pathname, url.hash);
  } catch {
    return null;
  }
}

/**
 * Room tokens, kept in memory and in sessionStorage (per tab) so a reload keeps working.
 * The token arrives in the URL fragment, which is removed from the address bar at once
 * so it does not linger in history, screenshots or shared screens.
 */
@Injectable({ providedIn: 'root' })
export class TokenStore {
  private readonly memory = new Map<string, string>();

  /** Moves a `#token=` from the current address into the store. Runs before the router starts. */
  captureFromLocation(
    location: Location = window.location,
    history: History = window.history,
  ): void {
    const link = parseRoomLink(location.pathname, location.hash);
    if (!link) {
      return;
    }
    this.set(link.sessionId, link.role, link.token);
    history.replaceState(history.state, '', location.pathname + location.search);
  }

  get(sessionId: string, role: Role): string | null {
    const key = storageKey(sessionId, role);
    const held = this.memory.get(key);
    if (held) {
      return held;
    }
    const stored = safeSessionStorage()?.getItem(key) ?? null;
    if (stored) {
      this.memory.set(key, stored);
    }
    return stored;
  }

  set(sessionId: string, role: Role, token: string): void {
    const key = storageKey(sessionId, role);
    this.memory.set(key, token);
    safeSessionStorage()?.setItem(key, token);
  }
}

function storageKey(sessionId: string, role: Role): string {
  return `proctor.token.${role}.${sessionId}`;
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be disabled (privacy settings); memory alone still works for this page.
    return null;
  }
}
