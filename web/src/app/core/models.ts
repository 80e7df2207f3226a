/** Shapes of the REST and Socket.IO messages (see docs/API.md). */

export type Role = 'candidate' | 'interviewer';

export type EventType =
  | 'no_face_detected'
  | 'multiple_faces_detected'
  | 'looking_away'
  | 'object_detected'
  | 'identity_mismatch'
  | 'focus_lost'
  | 'fullscreen_exit'
  | 'copy_paste'
  | 'speech_detected'
  | 'other_voice'
  | 'manual';

/** interview: the candidate talks, another voice is an event; exam: any sustained speech is. */
export type SessionMode = 'interview' | 'exam';

/** Event types a candidate's browser reports itself. */
export type BrowserEventType = 'focus_lost' | 'fullscreen_exit' | 'copy_paste';

export interface StartSessionResponse {
  session_id: string;
  name: string;
  interviewer_token: string;
  candidate_token: string;
  interviewer_url: string;
  candidate_url: string;
}

export interface ScoreItem {
  type: string;
  count: number;
  deduction: number;
}

export interface Score {
  score: number;
  breakdown: ScoreItem[];
}

export interface Participant {
  role: Role;
  name: string;
  /** Socket.IO sid of the connection. */
  sid?: string;
  /** Id of the page behind it (the same across the page's socket reconnects). */
  peer?: string;
}

export interface SessionInfo {
  session_id: string;
  name: string;
  status: 'active' | 'ended';
  started_at: string;
  ended_at: string | null;
  duration_s: number | null;
  /** The main recording (the largest part). */
  video_url: string | null;
  /** When the main recording started (server clock), and its length when known. */
  video_started_at?: string | null;
  video_duration_s?: number | null;
  video_parts?: number;
  mode?: SessionMode;
  score: Score;
  counts: Record<string, number>;
  participants: Participant[];
}

/** One recording part: what one candidate page recorded (a reload starts a new part). */
export interface RecordingPart {
  part: string;
  started_at: string | null;
  duration_s: number | null;
  size: number;
  mime: string | null;
  url: string;
}

export interface ProctorEvent {
  id: number;
  session_id: string;
  type: EventType | string;
  detail: string | null;
  role: Role | string;
  name: string;
  timestamp: string;
  ended_at?: string | null;
  duration_s?: number | null;
  confidence?: number | null;
  source?: string;
  evidence_url?: string | null;
  /** What evidence_url serves: a picture, or (audio events) a sound clip. */
  evidence_type?: 'image/jpeg' | 'audio/webm' | null;
  client_id?: string | null;
}

export interface ChatMessage {
  session_id: string;
  role: Role;
  name: string;
  message: string;
  timestamp: string;
  /** The sending page's id for the message (null for messages stored without one). */
  client_id?: string | null;
}

export interface Notice {
  session_id: string;
  type: string;
  message: string;
}

export interface ScoreMessage {
  session_id: string;
  score: number;
  breakdown: ScoreItem[];
}

export interface PresenceMessage {
  session_id: string;
  participants: Participant[];
}

export interface SnapshotRequest {
  session_id: string;
  request_id: string;
}

export interface SnapshotImage {
  session_id: string;
  request_id: string;
  image: ArrayBuffer | Uint8Array;
  timestamp: string;
}

export interface ClientConfig {
  ice_servers: RTCIceServer[];
  frame_interval_ms: number;
  frame_width: number;
  frame_height: number;
  jpeg_quality: number;
  retention_days: number;
  chunk_interval_ms: number;
  /** How often the live face is compared with the enrolment photo (0: never). */
  identity_every_s: number;
}

export const DEFAULT_CLIENT_CONFIG: ClientConfig = {
  ice_servers: [],
  frame_interval_ms: 1000,
  frame_width: 640,
  frame_height: 480,
  jpeg_quality: 0.7,
  retention_days: 30,
  chunk_interval_ms: 5000,
  identity_every_s: 10,
};

/** The server's verdict on an enrolment or reference photo (never the face descriptor). */
export interface IdentityPhotoResult {
  accepted: boolean;
  problem: 'no_face' | 'not_alone' | 'too_small' | 'too_dark' | 'blurred' | null;
  message: string;
  faces: number;
  /** The face, [x1, y1, x2, y2] in the photo's pixels. */
  box: number[] | null;
  width: number;
  height: number;
}

export type IdentityStatusName =
  'not_enrolled' | 'pending' | 'verified' | 'uncertain' | 'unverified';

/** `identity` over Socket.IO (interviewers): the last live check. */
export interface IdentityStatus {
  session_id: string;
  status: IdentityStatusName;
  score: number | null;
  /** Whose similarity `score` is: faceres (it accepted) or dlib (it decided). */
  model: 'faceres' | 'dlib';
  threshold: number;
  against: 'enrolment' | 'reference';
  at: string | null;
  checks: number;
  mismatches: number;
  /** Presentation-attack scores of the photo compared with (advice only). */
  spoof?: Record<string, number>;
}

export interface IdentityCheck {
  at: string;
  against: 'enrolment' | 'reference';
  model: 'faceres' | 'dlib';
  score: number;
  same_person: boolean;
}

export interface IdentityPhoto {
  taken_at: string;
  photo_url: string;
  /** Presentation-attack scores: advice only. */
  spoof: Record<string, number>;
}

/** GET /sessions/{id}/identity */
export interface IdentityState {
  session_id: string;
  status: IdentityStatusName;
  threshold: number;
  enrolment: IdentityPhoto | null;
  reference: IdentityPhoto | null;
  checks: IdentityCheck[];
  mismatches: number;
}

/** Every Socket.IO ack: `{ok: true, ...}` or `{ok: false, error}`. */
export interface Ack {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

/** One alert's delivery (GET /sessions/{id}/alerts): where it went, never the address. */
export interface AlertState {
  id: number;
  event_id: number | null;
  channel: 'operator' | 'session' | 'webhook';
  kind: 'event' | 'digest';
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'held' | 'digested' | 'skipped';
  attempts: number;
  created_at: string;
  sent_at: string | null;
  error: string | null;
}
