import { EventType } from '../core/models';

export interface EventMeta {
  label: string;
  /** Name of the icon drawn by EventIcon. */
  icon:
    | 'face-off'
    | 'faces'
    | 'eye'
    | 'phone'
    | 'box'
    | 'tab'
    | 'fullscreen'
    | 'clipboard'
    | 'mic'
    | 'voices'
    | 'flag';
  /** CSS colour token (see styles.css) used for the icon and the list accent. */
  tone: 'red' | 'orange' | 'amber' | 'violet' | 'blue' | 'teal' | 'slate';
}

export const EVENT_TYPES: readonly EventType[] = [
  'no_face_detected',
  'multiple_faces_detected',
  'looking_away',
  'object_detected',
  'identity_mismatch',
  'focus_lost',
  'fullscreen_exit',
  'copy_paste',
  'speech_detected',
  'other_voice',
  'manual',
];

const META: Record<EventType, EventMeta> = {
  no_face_detected: { label: 'No face', icon: 'face-off', tone: 'red' },
  multiple_faces_detected: { label: 'Several faces', icon: 'faces', tone: 'red' },
  looking_away: { label: 'Looking away', icon: 'eye', tone: 'amber' },
  object_detected: { label: 'Object', icon: 'box', tone: 'orange' },
  identity_mismatch: { label: 'Not the enrolled person', icon: 'faces', tone: 'red' },
  focus_lost: { label: 'Left the page', icon: 'tab', tone: 'violet' },
  fullscreen_exit: { label: 'Left fullscreen', icon: 'fullscreen', tone: 'blue' },
  copy_paste: { label: 'Copy / paste', icon: 'clipboard', tone: 'teal' },
  speech_detected: { label: 'Speech', icon: 'mic', tone: 'orange' },
  other_voice: { label: 'Another voice', icon: 'voices', tone: 'red' },
  manual: { label: 'Note', icon: 'flag', tone: 'slate' },
};

const DETAIL_LABELS: Record<string, string> = {
  cell_phone: 'Phone',
  book: 'Book',
  laptop: 'Laptop',
  monitor: 'Monitor',
  extra_person: 'Another person',
  tab_hidden: 'tab hidden',
  window_blur: 'window lost focus',
};

export function eventMeta(type: string, detail?: string | null): EventMeta {
  const meta = META[type as EventType] ?? { label: humanize(type), icon: 'flag', tone: 'slate' };
  if (type === 'object_detected' && detail === 'cell_phone') {
    return { ...meta, label: 'Phone', icon: 'phone' };
  }
  if (type === 'object_detected' && detail) {
    return { ...meta, label: detailLabel(detail) };
  }
  return meta;
}

export function typeLabel(type: string): string {
  return META[type as EventType]?.label ?? humanize(type);
}

export function detailLabel(detail: string | null | undefined): string {
  if (!detail) {
    return '';
  }
  return DETAIL_LABELS[detail] ?? humanize(detail);
}

function humanize(text: string): string {
  const words = text.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
