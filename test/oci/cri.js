// test/oci/cri.js SOCKET VERB ARGS...: a minimal CRI client for ctr.sh
// (Debian 12 has no crictl), on @grpc/grpc-js and @grpc/proto-loader from
// build/oci/node (NODE_PATH) and cri.proto beside this file.
//	version				runtime name and version
//	runp HANDLER FILE		run a pod sandbox of the PodSandboxConfig
//					in FILE (JSON); print its id
//	create POD PODFILE FILE		create a container of the ContainerConfig
//					in FILE; print its id
//	start|stop|rm ID		start, stop (2 s grace), remove a container
//	status ID			its state, exit code and reason
//	exec ID CMD...			ExecSync: print its stdout and stderr,
//					exit with its exit code
//	stopp|rmp POD			stop, remove a pod sandbox
//	pods				the ids of the pod sandboxes
//	cleanup				stop and remove every pod sandbox
'use strict';
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const def = loader.loadSync(path.join(__dirname, 'cri.proto'),
	{ keepCase: true, longs: Number, defaults: true });
const api = grpc.loadPackageDefinition(def).runtime.v1;
const [sock, verb, ...args] = process.argv.slice(2);
const rt = new api.RuntimeService('unix://' + sock, grpc.credentials.createInsecure());
const call = (m, req) => new Promise((ok, no) =>
	rt[m](req, { deadline: Date.now() + 60000 }, (e, r) => e ? no(e) : ok(r)));
const json = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const STATE = ['CREATED', 'RUNNING', 'EXITED', 'UNKNOWN'];

async function main() {
	switch (verb) {
	case 'version': {
		const r = await call('Version', { version: 'v1' });
		console.log(`${r.runtime_name} ${r.runtime_version} ${r.runtime_api_version}`);
		break;
	}
	case 'runp':
		console.log((await call('RunPodSandbox',
			{ config: json(args[1]), runtime_handler: args[0] })).pod_sandbox_id);
		break;
	case 'create':
		console.log((await call('CreateContainer', { pod_sandbox_id: args[0],
			sandbox_config: json(args[1]), config: json(args[2]) })).container_id);
		break;
	case 'start': await call('StartContainer', { container_id: args[0] }); break;
	case 'stop': await call('StopContainer', { container_id: args[0], timeout: 2 }); break;
	case 'rm': await call('RemoveContainer', { container_id: args[0] }); break;
	case 'status': {
		const s = (await call('ContainerStatus', { container_id: args[0] })).status;
		console.log(`${STATE[s.state]} ${s.exit_code}${s.reason ? ' ' + s.reason : ''}`);
		break;
	}
	case 'exec': {
		const r = await call('ExecSync', { container_id: args[0], cmd: args.slice(1), timeout: 30 });
		process.stdout.write(r.stdout);
		process.stderr.write(r.stderr);
		process.exitCode = r.exit_code;
		break;
	}
	case 'stopp': await call('StopPodSandbox', { pod_sandbox_id: args[0] }); break;
	case 'rmp': await call('RemovePodSandbox', { pod_sandbox_id: args[0] }); break;
	case 'pods':
		for (const p of (await call('ListPodSandbox', {})).items) console.log(p.id);
		break;
	case 'cleanup':
		for (const p of (await call('ListPodSandbox', {})).items) {
			await call('StopPodSandbox', { pod_sandbox_id: p.id }).catch(() => {});
			await call('RemovePodSandbox', { pod_sandbox_id: p.id }).catch(() => {});
		}
		break;
	default:
		throw new Error(`unknown verb ${verb}`);
	}
}
main().then(() => rt.close(), (e) => {
	console.error(`cri.js ${verb}: ${e.details || e.message}`);
	rt.close();
	process.exitCode = 100;
});
