import { eventMeta, typeLabel } from './event-meta';
import { mediaTime, shortDuration } from './format';

describe('formatting', () => {
  it('formats media positions and durations', () => {
    expect(mediaTime(0)).toBe('0:00');
    expect(mediaTime(75.9)).toBe('1:15');
    expect(mediaTime(3725)).toBe('1:02:05');
    expect(mediaTime(Number.POSITIVE_INFINITY)).toBe('0:00');
    expect(shortDuration(4.4)).toBe('4 s');
    expect(shortDuration(65)).toBe('1 min 5 s');
    expect(shortDuration(120)).toBe('2 min');
    expect(shortDuration(null)).toBe('');
  });

  it('names every event type, and phones specially', () => {
    expect(typeLabel('focus_lost')).toBe('Left the page');
    expect(eventMeta('object_detected', 'cell_phone')).toMatchObject({
      label: 'Phone',
      icon: 'phone',
    });
    expect(eventMeta('object_detected', 'book').label).toBe('Book');
    expect(eventMeta('something_new').label).toBe('Something new');
  });
});
