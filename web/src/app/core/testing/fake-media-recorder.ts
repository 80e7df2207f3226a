/** Stands in for the browser's MediaRecorder: the test decides when data is available. */
export class FakeMediaRecorder extends EventTarget {
  state: RecordingState = 'inactive';
  timeslice = 0;
  constructor(readonly options: MediaRecorderOptions) {
    super();
  }
  start(timeslice: number): void {
    this.state = 'recording';
    this.timeslice = timeslice;
  }
  stop(): void {
    this.state = 'inactive';
    this.emit('last');
    this.dispatchEvent(new Event('stop'));
  }
  emit(text: string): void {
    const event = new Event('dataavailable') as Event & { data: Blob };
    event.data = new Blob([text]);
    this.dispatchEvent(event);
  }
}
