/** Types for eslint.layers.js, so tests can import the zones they check. */
export declare const ALLOWED: Record<string, string[]>;
export declare const layerZones: Array<{ target: string; from: string | string[]; except?: string[]; message?: string }>;
