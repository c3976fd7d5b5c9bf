/** Types of fixtures.mjs (the corpus of real ONVIF notifications), for the type check of the tests. */

/** One message of a corpus file: the tokens it should give (`person+`, `motion-`, `line-crossing!`) and its XML. */
export interface CorpusMessage {
  expect: string[];
  xml: string;
}

export interface CorpusFile {
  /** `<vendor>/<name>.xml` */
  file: string;
  vendor: string;
  /** The public URL the messages come from. */
  source: string;
  kind: 'verbatim' | 'transcribed' | 'reconstructed' | string;
  camera: string;
  messages: CorpusMessage[];
}

/** A label change as the normaliser gives it. */
export interface TokenChange {
  label: string;
  active: boolean;
  pulse?: boolean;
}

export declare const FIXTURES_DIR: string;
export declare function loadCorpus(dir?: string): CorpusFile[];
export declare function pullResponse(messages: readonly string[]): string;
/** The notificationMessage objects the `onvif` lib makes of these messages. */
export declare function parseWithOnvif(messages: readonly string[]): unknown[];
export declare function tokens(changes: readonly TokenChange[]): string[];
export declare function matches(expected: readonly string[], changes: readonly TokenChange[]): boolean;
