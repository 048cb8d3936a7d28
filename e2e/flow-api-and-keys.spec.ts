import { expect, test } from '@playwright/test';

test('the API panel shows curl, fetch and OpenAPI for the open flow; Settings creates and revokes a key that invokes it', async ({ page, request }) => {
  await page.goto('/?flow=ticket-triage');
  await page.getByTestId('api-button').click();
  const dialog = page.getByTestId('flow-api-dialog');
  await expect(dialog.getByTestId('curl-example')).toContainText("/api/flows/ticket-triage/invoke?wait=30");
  await expect(dialog.getByTestId('curl-example')).toContainText('Authorization: Bearer $WEFT_KEY');
  await expect(dialog.getByTestId('fetch-example')).toContainText('"text":"text"');
  await expect(dialog.getByTestId('openapi-document')).toContainText('"openapi": "3.1.0"');

  await dialog.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByTestId('settings-dialog');
  await settings.getByTestId('key-name').fill('e2e-app');
  await settings.getByTestId('key-flows').fill('ticket-triage');
  await settings.getByTestId('create-key').click();
  const key = (await settings.getByTestId('created-key-value').textContent())!.trim();
  expect(key).toMatch(/^weft_/);
  await expect(settings.getByTestId('key-e2e-app')).toContainText('active');

  const invoke = (headers: Record<string, string>) => request.post('/api/flows/ticket-triage/invoke', { data: { inputs: { text: 'Where is my invoice?' } }, headers });
  const answer = await invoke({ authorization: `Bearer ${key}` });
  expect(answer.status()).toBe(200);
  const { runId } = await answer.json();
  const runs = (await (await request.get('/api/runs?flowId=ticket-triage')).json()).runs as Array<{ runId: string; origin?: unknown }>;
  expect(runs.find((run) => run.runId === runId)?.origin).toEqual({ type: 'invoke', name: 'e2e-app' });

  await settings.getByTestId('revoke-e2e-app').click();
  await expect(settings.getByTestId('key-e2e-app')).toContainText('revoked');
  expect((await invoke({ authorization: `Bearer ${key}` })).status()).toBe(401);
});
