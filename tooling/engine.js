'use strict';
/**
 * Runs workflows through n8n's real execution engine (n8n-core's WorkflowExecute) in this process, with an
 * in-memory credential store that behaves like n8n's: defaults and expressions of the credential type are applied,
 * and the OAuth2 token n8n-core fetches is saved back into the credential and reused.
 * Used by the tests, the demo and the benchmark; the Defender node itself is passed in.
 */
const {
	Credentials,
	ExecuteContext,
	ExecutionLifecycleHooks,
	PollContext,
	RoutingNode,
	WorkflowExecute,
} = require('n8n-core');
const { ICredentialsHelper, NodeHelpers, Workflow, deepCopy } = require('n8n-workflow');

/** Fixture nodes the example workflows need around the Defender node (n8n-nodes-base is not a dependency). */
const fixtureNodeTypes = {
	/** Emits the items given as JSON in its `items` parameter, like a Code node returning a list. */
	'fixture.items': {
		description: {
			displayName: 'Items',
			name: 'fixture.items',
			group: ['input'],
			version: 1,
			description: 'Emits fixed items',
			defaults: { name: 'Items' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
		},
		async execute() {
			const raw = this.getNodeParameter('items', 0);
			const list = typeof raw === 'string' ? JSON.parse(raw) : raw;
			return [list.map((json) => ({ json }))];
		},
	},
	/** Collects every item it receives, with the node-level error output routed here too when wired so. */
	'fixture.collect': {
		description: {
			displayName: 'Collect',
			name: 'fixture.collect',
			group: ['output'],
			version: 1,
			description: 'Passes items through',
			defaults: { name: 'Collect' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [],
		},
		async execute() {
			return [this.getInputData()];
		},
	},
};

class InMemoryCredentialsHelper extends ICredentialsHelper {
	/** @param {Record<string, object>} credentialTypes credential type instances by name */
	constructor(credentialTypes) {
		super();
		this.credentialTypes = credentialTypes;
		/** @type {Map<string, {type: string, data: object}>} */
		this.store = new Map();
	}

	save(id, type, data) {
		this.store.set(id, { type, data: deepCopy(data) });
	}

	/** What is stored for a credential, as n8n would keep it in its database. */
	stored(id) {
		return deepCopy(this.store.get(id)?.data);
	}

	getParentTypes(name) {
		const direct = this.credentialTypes[name]?.extends ?? [];
		return direct.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode() {
		return true;
	}

	/**
	 * The type's own properties. Its parent, n8n's generic oAuth2Api, lives in n8n-nodes-base; every field the
	 * client-credentials flow reads is declared by the Defender credential itself, so the parent adds nothing here.
	 */
	getCredentialsProperties(type) {
		return this.credentialTypes[type]?.properties ?? [];
	}

	async authenticate(_credentials, _typeName, requestOptions) {
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	async getCredentials(nodeCredentials, type) {
		return new Credentials({ id: nodeCredentials.id, name: nodeCredentials.name }, type);
	}

	async getDecrypted(
		additionalData,
		nodeCredentials,
		type,
		mode,
		executeData,
		raw,
		expressionResolveValues,
	) {
		const entry = this.store.get(nodeCredentials.id);
		if (!entry || entry.type !== type)
			throw new Error(`No credential ${nodeCredentials.id} of type ${type}`);
		const original = deepCopy(entry.data);
		if (raw === true) return original;

		// Like n8n's CredentialsHelper.applyDefaultsAndOverwrites: defaults first, then expressions with $self.
		let data = NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			original,
			true,
			false,
			null,
			null,
		);
		if (original.oauthTokenData !== undefined) data.oauthTokenData = original.oauthTokenData;
		if (expressionResolveValues) {
			const { workflow, runExecutionData, runIndex, itemIndex, node, connectionInputData } =
				expressionResolveValues;
			data = workflow.expression.getParameterValue(
				data,
				runExecutionData,
				runIndex,
				itemIndex,
				node.name,
				connectionInputData,
				mode,
				{},
				executeData,
				false,
				data,
			);
		} else {
			const node = {
				id: 'credential',
				name: 'credential',
				type: 'fixture.collect',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			};
			const workflow = new Workflow({
				nodes: [node],
				connections: {},
				active: false,
				nodeTypes: fixtureOnlyNodeTypes,
			});
			data = workflow.expression.getComplexParameterValue(
				node,
				data,
				mode,
				{},
				undefined,
				undefined,
				data,
			);
		}
		return data;
	}

	async updateCredentials(nodeCredentials, type, data) {
		this.save(nodeCredentials.id, type, data);
	}

	async updateCredentialsOauthTokenData(nodeCredentials, type, data) {
		const entry = this.store.get(nodeCredentials.id);
		entry.data.oauthTokenData = deepCopy(data.oauthTokenData);
	}
}

/** INodeTypes over a fixed map of node type instances. */
function nodeTypesOf(types) {
	return {
		getByName: (name) => types[name],
		getByNameAndVersion: (name, version) => NodeHelpers.getVersionedNodeType(types[name], version),
		getKnownTypes: () => ({}),
	};
}
const fixtureOnlyNodeTypes = nodeTypesOf(fixtureNodeTypes);

/**
 * @param {{ nodeTypes: Record<string, object>, credentialTypes: Record<string, object> }} setup
 */
function createEngine({ nodeTypes, credentialTypes }) {
	const credentialsHelper = new InMemoryCredentialsHelper(credentialTypes);
	const allNodeTypes = nodeTypesOf({ ...fixtureNodeTypes, ...nodeTypes });

	function additionalDataFor(workflowData) {
		const hooks = new ExecutionLifecycleHooks('manual', 'execution-1', workflowData);
		return {
			hooks,
			credentialsHelper,
			executionId: 'execution-1',
			currentNodeExecutionIndex: 0,
			restApiUrl: 'http://127.0.0.1/rest',
			instanceBaseUrl: 'http://127.0.0.1',
			formBaseUrl: '',
			formWaitingBaseUrl: '',
			formTestBaseUrl: '',
			webhookBaseUrl: '',
			webhookWaitingBaseUrl: '',
			webhookTestBaseUrl: '',
			mcpBaseUrl: '',
			mcpTestBaseUrl: '',
			variables: {},
			logAiEvent: () => {},
			getRunExecutionData: async () => undefined,
			getRuntimeCredential: async () => undefined,
			executeWorkflow: async () => {
				throw new Error('Sub-workflows are not part of these tests');
			},
			startRunnerTask: async () => {
				throw new Error('Task runners are not part of these tests');
			},
		};
	}

	/**
	 * Executes a workflow from its first node. Returns n8n's cancellable promise of the run (IRun).
	 * @param {{ nodes: object[], connections: object, settings?: object }} workflowData
	 */
	function start(workflowData) {
		const workflow = new Workflow({
			id: 'workflow',
			name: workflowData.name ?? 'workflow',
			nodes: workflowData.nodes,
			connections: workflowData.connections,
			nodeTypes: allNodeTypes,
			settings: workflowData.settings,
			active: false,
		});
		const additionalData = additionalDataFor(workflowData);
		const startNode = workflow.getNode(workflowData.nodes[0].name);
		const runExecutionData = {
			resultData: { runData: {} },
			executionData: {
				contextData: {},
				metadata: {},
				waitingExecution: {},
				waitingExecutionSource: null,
				nodeExecutionStack: [{ node: startNode, data: { main: [[{ json: {} }]] }, source: null }],
			},
		};
		return new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(
			workflow,
		);
	}

	/** Runs a workflow to its end and returns n8n's IRun. */
	async function run(workflowData) {
		return await start(workflowData);
	}

	/**
	 * Runs a credential type's `test` request the way n8n's CredentialsTester does: a temporary node whose only
	 * property routes that request, executed by n8n-core's RoutingNode with the credential applied.
	 */
	async function testCredential(credentialId, credentialType) {
		const credentials = { id: credentialId, name: 'credential under test' };
		const data = await credentialsHelper.getDecrypted({}, credentials, credentialType, 'internal');
		const nodeType = {
			description: {
				displayName: 'Temp',
				name: 'temp',
				group: [],
				version: 1,
				description: '',
				defaults: {},
				inputs: ['main'],
				outputs: ['main'],
				credentials: [{ name: credentialType, required: true }],
				properties: [
					{
						displayName: 'Temp',
						name: 'temp',
						type: 'string',
						default: '',
						routing: { request: credentialTypes[credentialType].test.request },
					},
				],
			},
		};
		const node = {
			id: 'temp',
			name: 'Temp-Node',
			type: 'temp',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
			credentials: { [credentialType]: credentials },
		};
		const workflow = new Workflow({
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes: nodeTypesOf({ temp: nodeType }),
		});
		const context = new ExecuteContext(
			workflow,
			node,
			additionalDataFor({ nodes: [node], connections: {} }),
			'internal',
			{ resultData: { runData: {} } },
			0,
			[],
			{ main: [[{ json: {} }]] },
			{ node, data: {}, source: null },
			[],
		);
		try {
			await new RoutingNode(context, nodeType, {
				...credentials,
				type: credentialType,
				data,
			}).runNode();
			return { status: 'OK' };
		} catch (error) {
			return { status: 'Error', message: error.message };
		}
	}

	/**
	 * One poll of a polling trigger, the way n8n's poll executor calls it: n8n-core's PollContext for the workflow's
	 * first node, in `mode` ('trigger' for an active workflow, 'manual' for the editor's Fetch Test Event), with the
	 * workflow's static data as stored (JSON; n8n keeps it in its database between restarts). Returns what the poll
	 * returned and the static data afterwards, as n8n would store it, or the error the poll threw.
	 * @param {{ nodes: object[], connections: object }} workflowData
	 * @param {{ mode?: string, staticData?: object }} options
	 */
	async function poll(workflowData, { mode = 'trigger', staticData = {} } = {}) {
		const workflow = new Workflow({
			id: workflowData.id ?? 'workflow',
			name: workflowData.name ?? 'workflow',
			nodes: workflowData.nodes,
			connections: workflowData.connections,
			nodeTypes: allNodeTypes,
			staticData: deepCopy(staticData),
			active: mode === 'trigger',
		});
		const node = workflow.getNode(workflowData.nodes[0].name);
		const nodeType = allNodeTypes.getByNameAndVersion(node.type, node.typeVersion);
		const context = new PollContext(
			workflow,
			node,
			additionalDataFor(workflowData),
			mode,
			mode === 'trigger' ? 'activate' : 'manual',
		);
		const stored = () =>
			JSON.parse(
				JSON.stringify(workflow.staticData, (key, value) =>
					key === '__dataChanged' ? undefined : value,
				),
			);
		try {
			const result = await nodeType.poll.call(context);
			return { result, staticData: stored(), changed: workflow.staticData.__dataChanged === true };
		} catch (error) {
			return { error, staticData: stored() };
		}
	}

	return { credentialsHelper, run, start, testCredential, poll };
}

/** The items a node emitted on one output in its first run (output 0 is the main output, 1 the error output). */
function outputOf(run, nodeName, outputIndex = 0) {
	const task = run.data.resultData.runData[nodeName]?.[0];
	if (!task) return undefined;
	return task.data?.main?.[outputIndex] ?? [];
}

module.exports = { createEngine, outputOf };
