import { watchBrowserEvents } from './browser-events';

describe('watchBrowserEvents', () => {
  let reports: [string, string][];
  let stop: () => void;
  let visibility: DocumentVisibilityState;

  beforeEach(() => {
    reports = [];
    visibility = 'visible';
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility);
    stop = watchBrowserEvents(document, window, (type, detail) => reports.push([type, detail]));
  });
  afterEach(() => {
    stop();
    vi.restoreAllMocks();
  });

  const setVisibility = (state: DocumentVisibilityState): void => {
    visibility = state;
    document.dispatchEvent(new Event('visibilitychange'));
  };

  it('reports a hidden tab as focus_lost', () => {
    setVisibility('hidden');
    expect(reports).toEqual([['focus_lost', 'tab_hidden']]);
  });

  it('reports one absence once, even when blur and hidden both fire', () => {
    window.dispatchEvent(new Event('blur'));
    setVisibility('hidden');
    setVisibility('visible');
    window.dispatchEvent(new Event('focus'));
    window.dispatchEvent(new Event('blur'));
    expect(reports).toEqual([
      ['focus_lost', 'window_blur'],
      ['focus_lost', 'window_blur'],
    ]);
  });

  it('reports leaving fullscreen, not entering it', () => {
    // jsdom has no Fullscreen API: give the document the one property the watcher reads.
    let element: Element | null = document.body;
    Object.defineProperty(document, 'fullscreenElement', {
      configurable: true,
      get: () => element,
    });
    document.dispatchEvent(new Event('fullscreenchange'));
    element = null;
    document.dispatchEvent(new Event('fullscreenchange'));
    delete (document as { fullscreenElement?: Element | null }).fullscreenElement;
    expect(reports).toEqual([['fullscreen_exit', '']]);
  });

  it('reports copy, cut and paste with which one it was', () => {
    for (const type of ['copy', 'cut', 'paste']) {
      document.dispatchEvent(new Event(type));
    }
    expect(reports).toEqual([
      ['copy_paste', 'copy'],
      ['copy_paste', 'cut'],
      ['copy_paste', 'paste'],
    ]);
  });

  it('stops listening when stopped', () => {
    stop();
    document.dispatchEvent(new Event('copy'));
    window.dispatchEvent(new Event('blur'));
    expect(reports).toEqual([]);
  });
});
