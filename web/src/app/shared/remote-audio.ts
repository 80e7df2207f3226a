import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  effect,
  input,
  viewChild,
} from '@angular/core';

/** Plays a remote stream's sound (the interviewer's voice on the candidate's page). */
@Component({
  selector: 'app-remote-audio',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<audio #player autoplay [attr.aria-label]="label()"></audio>`,
})
export class RemoteAudio {
  readonly stream = input.required<MediaStream>();
  readonly label = input('Interviewer’s voice');
  private readonly player = viewChild.required<ElementRef<HTMLAudioElement>>('player');

  constructor() {
    effect(() => {
      const audio = this.player().nativeElement;
      if (audio.srcObject !== this.stream()) {
        audio.srcObject = this.stream();
        void audio.play?.()?.catch(() => undefined); // autoplay may wait for a gesture
      }
    });
  }
}
