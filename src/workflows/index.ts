export * from './reconcile';
export * from './retention';
export * from './stuck-transfer-sweep';
export * from './sync-compensation';
export * from './transfer-saga';
