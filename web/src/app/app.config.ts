import { provideHttpClient, withFetch } from '@angular/common/http';
import {
  ApplicationConfig,
  inject,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
} from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { routes } from './app.routes';
import { TokenStore } from './core/token-store';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideHttpClient(withFetch()),
    // Runs before the router's first navigation, so the token never reaches the router state.
    provideAppInitializer(() => inject(TokenStore).captureFromLocation()),
    provideRouter(routes, withComponentInputBinding()),
  ],
};
