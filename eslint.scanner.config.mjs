// The rules n8n's package scanner (@n8n/scan-community-package) lints a community package with, run here before a
// release: @n8n/eslint-plugin-community-nodes (recommended), eslint-plugin-n8n-nodes-base's community, credentials
// and nodes rulesets, and no-console, over package.json, nodes/ and credentials/ (the sources) and dist/ (what is
// published). Stricter than the scanner, which switches five of those rules off: here only one is, and
// `npm run lint:scanner` ignores inline eslint-disable comments (--no-inline-config), as the scanner does.
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

export default [
	{ ignores: ['node_modules/**'] },
	n8nCommunityNodesPlugin.configs.recommended,
	{ rules: { 'no-console': 'error' } },
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{ files: ['**/*.json', '**/*.ts'], languageOptions: { parser: tseslint.parser } },
	{ files: ['package.json'], rules: { ...n8nNodesBase.configs.community.rules } },
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// The one rule off, because no code satisfies it together with the others: documentationUrl must be a string
			// literal (cred-class-field-documentation-url-missing) that is a valid URL
			// (@n8n/community-nodes/credential-documentation-url), and this rule wants it camelCase, as the docs slugs of
			// n8n's own credentials are; no URL is camelCase. n8n's scanner and n8n-node lint switch it off too.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{ files: ['nodes/**/*.ts'], rules: { ...n8nNodesBase.configs.nodes.rules } },
];
