export * from './reconcile';
export * from './stuck-transfer-sweep';
export * from './sync-compensation';
export * from './transfer-saga';
