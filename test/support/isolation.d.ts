export declare const ISOLATED_PRAGMA: string;
export declare function isIsolated(pragmas: Record<string, string | string[]>): boolean;
