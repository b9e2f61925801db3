/**
 * The workflow code every bundle and worker here loads: the workflows, and the interceptor module that
 * passes traces on inside them (src/workflows/trace-propagation.ts). A bundle or a replay built without
 * the module would run the workflows untraced; one list keeps them all alike.
 */
export const WORKFLOWS_PATH = require.resolve('./workflows');
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('./workflows/trace-propagation')];

/** For `bundleWorkflowCode`. */
export const workflowBundleOptions = {
  workflowsPath: WORKFLOWS_PATH,
  workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
};

/** For a replay that bundles the workflows itself. */
export const workflowReplayOptions = {
  workflowsPath: WORKFLOWS_PATH,
  interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
};
