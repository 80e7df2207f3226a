import { Routes } from '@angular/router';
import { CandidateRoom } from './features/candidate-room/candidate-room';
import { Home } from './features/home/home';
import { InterviewerRoom } from './features/interviewer-room/interviewer-room';
import { Review } from './features/review/review';

// Loaded eagerly: the app is small, and a room link must show video as soon as it can
// (lazy chunks added a request waterfall before the socket could even open).
export const routes: Routes = [
  { path: '', title: 'Proctor', component: Home },
  { path: 'c/:id', title: 'Proctor: candidate room', component: CandidateRoom },
  { path: 'i/:id', title: 'Proctor: interviewer room', component: InterviewerRoom },
  { path: 'review/:id', title: 'Proctor: review', component: Review },
  { path: '**', redirectTo: '' },
];
