import { type z } from 'zod';

import { type ApiClient } from '../../lib/api-client';
import { type newStaffBody, type staffChange as staffChangeBody } from '@api/schemas';
import { staffList, staffView } from '@api/views';

export type StaffMember = z.output<typeof staffView>;
export type NewStaff = z.input<typeof newStaffBody>;
export type StaffChange = z.input<typeof staffChangeBody>;
export const STAFF_ROLES = staffView.shape.role.options;

export const listStaff = (api: ApiClient) => api.request('/v1/staff', staffList);
export const createStaff = (api: ApiClient, body: NewStaff) =>
  api.request('/v1/staff', staffView, { method: 'POST', body });
export const changeStaff = (api: ApiClient, username: string, body: StaffChange) =>
  api.request(`/v1/staff/${encodeURIComponent(username)}`, staffView, { method: 'PATCH', body });
