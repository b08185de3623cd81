# See LICENSE file for copyright and license details.
#
# test/oci/cri.sh: the CRI cases, sourced by ctr.sh once its containerd is
# up: a pod sandbox on the runtime handler "test" (whose BinaryName is the
# runtime under test) on the private bridge network, an app container in
# it, ExecSync, stop, remove, the sandbox stopped and removed.  The app
# container's masked and read-only paths are the ones kubelet sends.
cri() {
	NODE_PATH=$NODEMOD $TMO node "$OCI/cri.js" "$A" "$@"
}
cat >"$T/pod.json" <<EOC
{ "metadata": { "name": "pod1", "uid": "ocitest-pod1", "namespace": "ocitest" },
  "hostname": "cripod", "log_directory": "$T/logs",
  "linux": { "security_context": { "namespace_options": { "network": 0, "pid": 1, "ipc": 0 } } } }
EOC
cat >"$T/app.json" <<EOC
{ "metadata": { "name": "app" }, "image": { "image": "localhost/ocitest:3.18.9" },
  "command": ["sleep", "1000"], "working_dir": "/tmp",
  "envs": [ { "key": "FOO", "value": "bar" } ], "log_path": "app.log",
  "linux": { "resources": { "memory_limit_in_bytes": 67108864 },
    "security_context": { "run_as_user": { "value": 1000 }, "seccomp": { "profile_type": 0 },
      "masked_paths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
      "readonly_paths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
      "namespace_options": { "network": 0, "pid": 1, "ipc": 0 } } } }
EOC
mkdir -p "$T/logs"
has "CRI version" "^containerd " cri version
pod=$(cri runp test "$T/pod.json" 2>"$T/err")
[ -n "$pod" ]; _res $? "RunPodSandbox on the handler"
app=$(cri create "$pod" "$T/pod.json" "$T/app.json" 2>"$T/err")
[ -n "$app" ]; _res $? "CreateContainer"
rc "StartContainer" 0 cri start "$app"
is "status RUNNING" "RUNNING 0" cri status "$app"
is "ExecSync: env" "bar" cri exec "$app" sh -c 'echo $FOO'
is "ExecSync: workdir" "/tmp" cri exec "$app" pwd
is "ExecSync: user" "1000" cri exec "$app" id -u
is "ExecSync: the pod's hostname" "cripod" cri exec "$app" hostname
rc "ExecSync: exit code" 4 cri exec "$app" sh -c 'exit 4'
is "ExecSync: seccomp RuntimeDefault" "Seccomp:	2" cri exec "$app" grep ^Seccomp: /proc/self/status
is "ExecSync: a non-root user has no effective caps" "CapEff:	0000000000000000" cri exec "$app" grep CapEff /proc/self/status
is "ExecSync: own pid namespace: sleep is pid 1" "sleep 1000" cri exec "$app" sh -c "tr '\\0' ' ' </proc/1/cmdline"
is "ExecSync: the pod's network namespace has an address in $SUBNET.0/24" "yes" cri exec "$app" sh -c \
	"ip -4 -o addr show eth0 | grep -q ' $SUBNET\\.' && echo yes"
has "ExecSync: the pod's gateway answers (a closed port: refused)" "Connection refused" cri exec "$app" sh -c "wget -q -T 2 -O /dev/null http://$SUBNET.1:9/ 2>&1"
is "ExecSync: /proc/sys read-only" "ro" cri exec "$app" sh -c 'echo x >/proc/sys/kernel/domainname 2>/dev/null && echo rw || echo ro'
is "ExecSync: /proc/timer_list masked (by /dev/null)" "1,3" cri exec "$app" stat -c %t,%T /proc/timer_list
is "memory limit in the container's cgroup" "67108864" sh -c \
	"cat \$(find /sys/fs/cgroup/memory -type d -name '$app' | head -1)/memory.limit_in_bytes"
rc "StopContainer" 0 cri stop "$app"
is "status EXITED 137 (sleep ignores TERM)" "EXITED 137 Error" cri status "$app"
rc "RemoveContainer" 0 cri rm "$app"
rc "StopPodSandbox" 0 cri stopp "$pod"
rc "RemovePodSandbox" 0 cri rmp "$pod"
is "no pods left" "" cri pods
is "the runtime's --root is empty" "" ls "$T/cri-runc/k8s.io"
