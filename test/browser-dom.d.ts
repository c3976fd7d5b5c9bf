/**
 * The DOM members that the page-side code of the browser tests (callbacks of page.evaluate, waitForFunction, $eval)
 * uses. That code runs in Chromium; the type check of the tests does not load lib.dom (its fetch types conflict with
 * Node's in src/), and @types/react declares these interfaces empty, so the members used are declared here.
 */
export {};

declare global {
  interface Element {
    getAttribute(name: string): string | null;
  }
  interface HTMLImageElement {
    readonly complete: boolean;
    readonly naturalWidth: number;
    hidden: boolean;
  }
  interface HTMLVideoElement {
    readonly readyState: number;
    currentTime: number;
    readonly buffered: { readonly length: number; start(i: number): number; end(i: number): number };
    pause(): void;
    play(): Promise<void>;
    readonly paused: boolean;
    hidden: boolean;
    readonly error: { readonly message: string } | null;
  }
  interface HTMLOptionElement {
    readonly value: string;
  }
  interface Document {
    readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number };
    querySelector<E extends Element = Element>(selectors: string): E | null;
    querySelectorAll<E extends Element = Element>(selectors: string): ArrayLike<E> & Iterable<E>;
  }
  const document: Document;
}
