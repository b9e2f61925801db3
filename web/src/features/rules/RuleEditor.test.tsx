import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { fakeFetch, signedIn } from '../../testing/fake-api';

import { RuleEditor } from './RuleEditor';

const savedRule = {
  ruleId: 'big-new-receiver',
  version: 1,
  name: 'Big amount to a new receiver',
  description: null,
  condition: { amount: { gte: 100000 } },
  score: 40,
  action: 'REVIEW',
  enabled: true,
  shadow: true,
  updatedBy: 'alice',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

function renderEditor(route: Parameters<typeof fakeFetch>[0]) {
  const api = fakeFetch(route);
  const onSaved = vi.fn();
  render(<RuleEditor rule={null} onSaved={onSaved} onCancel={() => undefined} />, { wrapper: signedIn(api.fetch) });
  return { ...api, onSaved };
}

/** Replaces the condition's text (typing braces through user-event needs escaping; a change event does not). */
const setCondition = (text: string) =>
  fireEvent.change(screen.getByLabelText('Condition (JSON)'), { target: { value: text } });

describe('the rule editor', () => {
  it('when the condition is not JSON, it says so locally and sends nothing', async () => {
    const { requests } = renderEditor(() => undefined);
    await userEvent.type(screen.getByLabelText('Name'), 'Big');
    setCondition('{"amount": {"gte": 100');

    expect(screen.getByText(/^Not valid JSON/).getAttribute('role')).toBe('alert');
    await userEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    expect(requests).toHaveLength(0);
  });

  it("when the server answers 422 invalid-condition, it shows the problem's path and detail beside the editor", async () => {
    renderEditor(() => ({
      status: 422,
      body: {
        type: 'https://transfer-saga.dev/problems/invalid-condition',
        title: 'Invalid condition',
        status: 422,
        detail: 'unknown operator "amout"',
        field: 'body.condition.all[1].amout',
      },
    }));
    await userEvent.type(screen.getByLabelText('Name'), 'Big');
    setCondition('{"all": [{"newReceiver": true}, {"amout": {"gte": 1}}]}');
    await userEvent.click(screen.getByRole('button', { name: 'Save rule' }));

    const alert = await screen.findByText('body.condition.all[1].amout');
    expect(alert.closest('[role="alert"]')?.textContent).toBe('body.condition.all[1].amout: unknown operator "amout"');
  });

  it('when the draft is valid, Save rule posts it and hands back the saved rule', async () => {
    const { requests, onSaved } = renderEditor((request) =>
      request.method === 'POST' && request.url === '/v1/rules' ? { status: 201, body: savedRule } : undefined,
    );
    await userEvent.type(screen.getByLabelText('Name'), 'Big amount to a new receiver');
    setCondition('{"amount": {"gte": 100000}}');
    await userEvent.click(screen.getByRole('button', { name: 'Save rule' }));

    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(savedRule));
    expect(requests[0]?.body).toEqual({
      name: 'Big amount to a new receiver',
      description: null,
      condition: { amount: { gte: 100000 } },
      score: 10,
      action: 'SCORE',
      enabled: true,
      shadow: true,
    });
    expect(requests[0]?.headers.Authorization).toBe('Bearer test-token');
  });

  it('offers STEP_UP among the actions and posts a travel rule with it', async () => {
    const { requests } = renderEditor((request) =>
      request.method === 'POST' ? { status: 201, body: { ...savedRule, action: 'STEP_UP' } } : undefined,
    );
    const action = screen.getByLabelText('Action');
    expect([...action.querySelectorAll('option')].map((option) => option.textContent)).toEqual([
      'SCORE',
      'STEP_UP',
      'REVIEW',
      'BLOCK',
    ]);
    await userEvent.type(screen.getByLabelText('Name'), 'Impossible travel');
    await userEvent.selectOptions(action, 'STEP_UP');
    setCondition('{"travel": {"maxSpeedKmh": 1000}}');
    await userEvent.click(screen.getByRole('button', { name: 'Save rule' }));

    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0]?.body).toMatchObject({ action: 'STEP_UP', condition: { travel: { maxSpeedKmh: 1000 } } });
  });

  it('lists the travel, device and country operators with examples, and credits DB-IP for IP locations', () => {
    renderEditor(() => undefined);
    expect(
      screen.getByText(/newReceiver, timeOfDay, account, currency, anomalyScore, travel, newDevice, country/),
    ).toBeTruthy();
    expect(screen.getByText('{"newDevice":{"days":30}}')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'IP Geolocation by DB-IP' }).getAttribute('href')).toBe(
      'https://db-ip.com',
    );
  });

  it('for a READ_ONLY operator, it offers neither Save rule nor the dry run', () => {
    render(<RuleEditor rule={null} onSaved={() => undefined} onCancel={() => undefined} />, {
      wrapper: signedIn(fakeFetch(() => undefined).fetch, 'READ_ONLY'),
    });
    expect(screen.queryByRole('button', { name: 'Save rule' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Test on recent transfers' })).toBeNull();
  });
});
