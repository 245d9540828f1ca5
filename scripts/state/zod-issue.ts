/** The first problem zod found, with its path: `cluster.platform: Invalid option…`. */
export function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }, fallback: string): string {
  const issue = error.issues[0];
  if (!issue) return fallback;
  return issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message;
}
