/**
 * Resolves with the name of the first SIGINT or SIGTERM the process receives. While it waits,
 * the signal no longer ends the process: the caller winds down in its own order. A second
 * signal after that (the listeners are gone) ends the process at once, as users expect.
 */
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
