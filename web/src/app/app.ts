import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink, RouterOutlet } from '@angular/router';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="app-header">
      <a routerLink="/" class="brand">Proctor</a>
    </header>
    <main id="main" tabindex="-1"><router-outlet /></main>
  `,
  styles: `
    .app-header {
      background: #13203a;
      color: #fff;
      padding: 0.6rem 1rem;
    }
    .brand {
      color: #fff;
      font-weight: 700;
      font-size: 1.1rem;
      text-decoration: none;
    }
    .skip-link {
      position: absolute;
      left: -999px;
      top: 0;
      background: #fff;
      padding: 0.5rem;
      z-index: 10;
    }
    .skip-link:focus {
      left: 0.5rem;
    }
    main:focus {
      outline: none;
    }
  `,
})
export class App {}
