export * from './reconcile';
export * from './remittance-retry-batch';
export * from './remittance-saga';
export * from './retention';
export * from './stuck-transfer-sweep';
export * from './sync-compensation';
export * from './transfer-saga';
