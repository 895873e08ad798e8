import { errorLine, facts, headline, type Alert } from './message.js';

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
// Slack's mrkdwn reads &, < and > as markup (links, mentions): escaped, an error message cannot ping a channel.
const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// A Slack incoming webhook's message: `text` is what a notification shows, the blocks are the message
// (limits from Block Kit: a header of 150 characters, 10 fields of 2000, a section of 3000).
export function slackMessage(a: Alert): Record<string, unknown> {
  const error = errorLine(a);
  const mark = a.event === 'failure' ? ':red_circle:' : ':large_green_circle:';
  const fields = facts(a)
    .filter(([k]) => k !== 'Run')
    .slice(0, 10)
    .map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${mrkdwn(v)}`, 2000) }));
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${mark} ${headline(a)}`, 150), emoji: true } },
    { type: 'section', fields },
  ];
  if (error) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Error*\n\`\`\`${mrkdwn(error)}\`\`\``, 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(`Run ${a.run.runId} · SysAdminToolkit`) }] });
  return { text: cut(`${headline(a)}${error ? `: ${error}` : ''}`, 3000), blocks };
}

// A Teams workflow webhook's message ("When a Teams webhook request is received" → "Post card in a chat or
// channel"): one Adaptive Card as an attachment. Office 365 connectors, which took MessageCards, were retired.
export function teamsMessage(a: Alert): Record<string, unknown> {
  const error = errorLine(a);
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: headline(a), weight: 'Bolder', size: 'Medium', color: a.event === 'failure' ? 'Attention' : 'Good', wrap: true },
    { type: 'FactSet', facts: facts(a).map(([title, value]) => ({ title, value })) },
  ];
  if (error) body.push({ type: 'TextBlock', text: cut(error, 4000), wrap: true, fontType: 'Monospace', color: 'Attention' });
  const card = { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, msteams: { width: 'Full' } };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}
