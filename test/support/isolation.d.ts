type Pragmas = Record<string, string | string[]>;
export declare function isIsolated(pragmas: Pragmas): boolean;
export declare function runsBesideServices(pragmas: Pragmas): boolean;
export declare function disrupts(pragmas: Pragmas): boolean;
export declare function runsFirst(pragmas: Pragmas): boolean;
