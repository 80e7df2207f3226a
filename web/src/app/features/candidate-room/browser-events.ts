import { BrowserEventType } from '../../core/models';

export type BrowserEventReporter = (type: BrowserEventType, detail: string) => void;

/**
 * Watches the page for what the interviewer should know: the tab hidden or the window losing
 * focus (`focus_lost`, once per absence: both usually fire together), leaving fullscreen
 * (`fullscreen_exit`) and copy, cut or paste (`copy_paste`). Returns the function that stops it.
 */
export function watchBrowserEvents(
  doc: Document,
  win: Window,
  report: BrowserEventReporter,
): () => void {
  let away = false;
  const leave = (detail: string): void => {
    if (!away) {
      away = true;
      report('focus_lost', detail);
    }
  };
  const onVisibility = (): void => {
    if (doc.visibilityState === 'hidden') {
      leave('tab_hidden');
    } else {
      away = false;
    }
  };
  const onBlur = (): void => leave('window_blur');
  const onFocus = (): void => {
    away = false;
  };
  const onFullscreen = (): void => {
    if (!doc.fullscreenElement) {
      report('fullscreen_exit', '');
    }
  };
  const onClipboard = (event: Event): void => report('copy_paste', event.type);

  doc.addEventListener('visibilitychange', onVisibility);
  win.addEventListener('blur', onBlur);
  win.addEventListener('focus', onFocus);
  doc.addEventListener('fullscreenchange', onFullscreen);
  for (const type of ['copy', 'cut', 'paste']) {
    doc.addEventListener(type, onClipboard);
  }
  return () => {
    doc.removeEventListener('visibilitychange', onVisibility);
    win.removeEventListener('blur', onBlur);
    win.removeEventListener('focus', onFocus);
    doc.removeEventListener('fullscreenchange', onFullscreen);
    for (const type of ['copy', 'cut', 'paste']) {
      doc.removeEventListener(type, onClipboard);
    }
  };
}
