/** See stamp.mjs: runs in the page; the latencies (ms) of the frames whose stamp read back. */
export function sampleLatency(o: { selector: string; samples: number; timeoutMs: number }): Promise<number[]>;
