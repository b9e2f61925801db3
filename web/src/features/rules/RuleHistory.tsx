import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { useApi } from '../../lib/session';
import { useResource } from '../../lib/use-resource';

import { getRuleHistory } from './api';
import { VersionDiff } from './VersionDiff';

export function RuleHistory({ ruleId, onClose }: { ruleId: string; onClose: () => void }) {
  const api = useApi();
  const history = useResource(() => getRuleHistory(api, ruleId), [api, ruleId]);
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History of {ruleId}</h2>
      <ErrorAlert error={history.error} />
      {history.loading && !history.data && <Loading />}
      {history.data && (
        <>
          <ol>
            {history.data.versions.map((version) => (
              <li key={version.version}>
                Version {version.version} by {version.updatedBy} at {version.updatedAt}
                {version.deleted ? ' (deleted)' : ''}
              </li>
            ))}
          </ol>
          <VersionDiff versions={history.data.versions} />
        </>
      )}
      <button type="button" className="secondary" onClick={onClose}>
        Close history
      </button>
    </section>
  );
}
