import { expect, test } from '@playwright/test';

test('the flow settings show each schedule with the next three times it fires', async ({ page, request }) => {
  const flow = await (await request.get('/api/flows/ticket-triage')).json();
  const scheduled = { ...flow, id: 'yearly-triage', settings: { triggers: [{ type: 'schedule', cron: '0 9 1 1 *', timezone: 'Europe/Berlin', inputs: { text: 'Happy new year' } }] } };
  delete scheduled.problems;
  expect((await request.put('/api/flows/yearly-triage', { data: scheduled })).status()).toBe(201);
  await page.goto('/?flow=yearly-triage');
  const schedule = page.getByTestId('schedule-0');
  await expect(schedule).toContainText('0 9 1 1 *');
  await expect(schedule).toContainText('Europe/Berlin');
  await expect(page.getByTestId('schedule-0-next').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('schedule-0-next').locator('li').first()).toContainText('09:00:00');
  expect((await request.delete('/api/flows/yearly-triage')).status()).toBe(204);
});
