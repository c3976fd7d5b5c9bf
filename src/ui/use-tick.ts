import { useEffect, useState } from 'react';

/** Re-renders the calling view every `ms` (the live views show counters that change without an event). */
export function useTick(ms: number): void {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
}
