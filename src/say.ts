/** Lines a part prints for the operator while it boots and runs (the CLI passes a terminal writer). */
export type Say = (line: string) => void;

/** The writer that prints nothing (LOG_LEVEL above info). */
export const SILENT: Say = () => undefined;
