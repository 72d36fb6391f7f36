import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

/**
 * The display names of an options property's values, e.g. { releaseFromIsolation: 'Release From
 * Isolation' }.
 */
function optionNames(properties: INodeProperties[], name: string): Record<string, string> {
	const names: Record<string, string> = {};
	for (const property of properties) {
		if (property.name !== name || property.type !== 'options') continue;
		for (const option of (property.options ?? []) as INodePropertyOptions[])
			names[String(option.value)] = option.name;
	}
	return names;
}

/**
 * The canvas subtitle, e.g. "Release From Isolation: Device": n8n evaluates the subtitle expression
 * with the node's parameters, so the option values are mapped to their display names in the
 * expression itself. Operations of the same value share one name across resources (Get, Get Many),
 * which the map relies on.
 */
export function subtitleExpression(
	resource: INodeProperties,
	operations: INodeProperties[],
): string {
	const resources = JSON.stringify(optionNames([resource], 'resource'));
	const operationNames = JSON.stringify(optionNames(operations, 'operation'));
	return `={{ (${operationNames}[$parameter["operation"]] || $parameter["operation"]) + ": " + (${resources}[$parameter["resource"]] || $parameter["resource"]) }}`;
}
