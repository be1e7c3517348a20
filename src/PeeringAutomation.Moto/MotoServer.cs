using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PeeringAutomation.Moto;

/// <summary>
/// Owns one <c>python -m moto.server</c> process on a loopback port. The process watches its
/// standard input and exits when it closes, so it dies with us even if we are killed outright:
/// no orphan survives its owner.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    // Runs moto's server in a thread-safe way and exits as soon as the parent's pipe closes.
    private const string Launcher = """
        import os, sys, threading
        # PEERING_AUTOMATION_MOTO_PROFILE=<file>: sample every thread's stack every 5 ms and write,
        # on exit, where moto spent its busy time (inclusive, per function) - a profile of moto's
        # engine for the latency benchmark. Off unless asked for.
        _profile_to = os.environ.get("PEERING_AUTOMATION_MOTO_PROFILE")
        _samples = {}
        _busy = [0]
        def _sample():
            import time, collections
            idle = {"wait", "select", "poll", "accept", "readinto", "recv_into", "_wait_for_tstate_lock", "read", "serve_forever", "get_request", "sleep", "_sample", "_watch_parent", "wait_for"}
            me = threading.get_ident()
            while True:
                time.sleep(0.005)
                for ident, frame in sys._current_frames().items():
                    if ident == me or frame.f_code.co_name in idle:
                        continue
                    _busy[0] += 1
                    seen = set()
                    while frame is not None:
                        code = frame.f_code
                        key = f"{os.path.basename(code.co_filename)}:{code.co_name}"
                        if key not in seen:
                            seen.add(key)
                            _samples[key] = _samples.get(key, 0) + 1
                        frame = frame.f_back
        # CPU per request, by service and operation (the request thread's own CPU, not its waits
        # for the GIL): what each kind of call costs moto. The rest of the process's CPU is the
        # Step Functions engine's threads and the server's own.
        _cpu_by_call = {}
        def _profile_requests():
            import time
            from moto.moto_server import werkzeug_app
            original = werkzeug_app.DomainDispatcherApplication.__call__
            def timed(self, environ, start_response):
                if environ.get("PATH_INFO") == "/_peering_automation/cpu":
                    # The counts so far (and start afresh): a benchmark reads one window.
                    body = _cpu_report().encode()
                    _cpu_by_call.clear()
                    _cpu_at[0] = time.process_time()
                    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                    return [body]
                began = time.thread_time()
                try:
                    return original(self, environ, start_response)
                finally:
                    auth = environ.get("HTTP_AUTHORIZATION", "")
                    service = auth.split("Credential=")[-1].split("/")[3] if "Credential=" in auth and auth.count("/") >= 4 else "?"
                    target = environ.get("HTTP_X_AMZ_TARGET", "").split(".")[-1] or _query_action(environ) or environ.get("PATH_INFO", "")[:40]
                    key = f"{service} {target}"
                    spent = time.thread_time() - began
                    count, total = _cpu_by_call.get(key, (0, 0.0))
                    _cpu_by_call[key] = (count + 1, total + spent)
            werkzeug_app.DomainDispatcherApplication.__call__ = timed
        def _query_action(environ):
            # The query protocol's (EC2, STS, SNS) action is a form field of the body, which the
            # keep-alive server below holds in memory.
            body = environ.get("wsgi.input")
            data = body.getvalue()[:4096] if hasattr(body, "getvalue") else b""
            for field in data.split(b"&"):
                if field.startswith(b"Action="):
                    return field[7:].decode("latin-1")
            return ""
        _cpu_at = [0.0]
        def _cpu_report():
            import time
            lines = [f"process CPU {time.process_time() - _cpu_at[0]:.1f} s; request threads' own CPU by call (count, s, ms each):"]
            for key, (count, total) in sorted(_cpu_by_call.items(), key=lambda kv: -kv[1][1])[:40]:
                lines.append(f"{count:8d} {total:8.2f} {1000.0 * total / count:7.2f} {key}")
            return "\n".join(lines) + "\n"
        def _write_profile():
            with open(_profile_to, "w") as out:
                out.write(_cpu_report())
                out.write(f"busy thread samples (5 ms): {_busy[0]}\n")
                for key, count in sorted(_samples.items(), key=lambda kv: -kv[1])[:150]:
                    out.write(f"{count:8d} {100.0 * count / max(_busy[0], 1):5.1f}% {key}\n")
        if _profile_to:
            threading.Thread(target=_sample, daemon=True).start()
            _profile_requests()
        def _watch_parent():
            try:
                sys.stdin.read()
            finally:
                if _profile_to:
                    _write_profile()
                os._exit(0)
        threading.Thread(target=_watch_parent, daemon=True).start()
        # botocore parses its data files (endpoints, service models) afresh for every loader, and
        # moto makes a loader for every Session it opens: importing moto parsed EC2's 2 MB model
        # three times (for its region list), and its first EC2 request a fourth - 0.8 s of the 3.2 s
        # of CPU a moto start cost before serving anything. One loader already shares what it parsed
        # with every client it serves, so botocore never changes a parsed file (an sdk-extras merge
        # writes the same values again); parse each file once per process.
        import botocore.loaders as _loaders
        _parsed_files = {}
        _parse_file = _loaders.JSONFileLoader.load_file
        def _load_file_once(self, file_path):
            found = _parsed_files.get(file_path)
            if found is None:
                found = _parse_file(self, file_path)
                if found is not None:
                    _parsed_files[file_path] = found
            return found
        _loaders.JSONFileLoader.load_file = _load_file_once
        # moto 5.2 deep-copies the state machine on every StartExecution, including its past
        # executions, whose worker threads hold locks: the second execution of any machine fails
        # with "cannot pickle '_thread.RLock' object". The copy never needs the past executions.
        import copy
        from moto.stepfunctions import models as _sfn
        def _copy_without_executions(self, memo):
            clone = self.__class__.__new__(self.__class__)
            memo[id(self)] = clone
            for key, value in self.__dict__.items():
                setattr(clone, key, [] if key == "executions" else copy.deepcopy(value, memo))
            return clone
        _sfn.StateMachineInstance.__deepcopy__ = _copy_without_executions
        # moto's Step Functions engine builds a new boto3 client for every Task (Lambda invoke,
        # events:putEvents, sns:publish): a service-model load and a fresh connection each time,
        # 0.1-0.5 s per state on a busy 2-core machine, and boto3's default session is not
        # thread-safe for concurrent client creation (Map states). Its clients differ only by
        # service and region (the key and endpoint are fixed), and botocore clients are
        # thread-safe: build each once and reuse it with its kept-alive connections.
        import boto3 as _boto3
        from botocore.config import Config as _Config
        from moto.stepfunctions.parser.asl.utils import boto_client as _boto_client
        class _ReusedClients:
            def __init__(self):
                self._clients = {}
                self._lock = threading.Lock()
            def client(self, **kwargs):
                key = tuple(sorted((k, v) for k, v in kwargs.items() if k != "config"))
                with self._lock:
                    found = self._clients.get(key)
                    if found is None:
                        config = kwargs.get("config")
                        pool = _Config(max_pool_connections=64)
                        kwargs["config"] = config.merge(pool) if config is not None else pool
                        found = self._clients[key] = _boto3.client(**kwargs)
                    return found
        _boto_client.boto3 = _ReusedClients()
        # jsonpath_ng builds a new PLY parser (yacc tables, source inspection) on every parse():
        # 20-70 ms each. moto's engine parses every JSONPath of a state each time it runs
        # (Parameters, InputPath, ResultPath, Choice variables), and EventBridge every input path of
        # every target on every event: in a profile of a compliance sweep, well over half of moto's
        # busy time. A parsed path is immutable; parse each text once.
        import functools
        import jsonpath_ng
        import jsonpath_ng.ext
        import jsonpath_ng.ext.parser
        import jsonpath_ng.parser
        def _cached_parse(original):
            cached = functools.lru_cache(maxsize=4096)(original)
            def parse(path, *args, **kwargs):
                return cached(path) if not args and not kwargs and isinstance(path, str) else original(path, *args, **kwargs)
            return parse
        jsonpath_ng.ext.parse = jsonpath_ng.ext.parser.parse = _cached_parse(jsonpath_ng.ext.parser.parse)
        jsonpath_ng.parse = jsonpath_ng.parser.parse = _cached_parse(jsonpath_ng.parser.parse)
        from moto.stepfunctions.parser.asl.utils import json_path as _json_path
        from moto.stepfunctions.parser.asl.component.common.path import result_path as _result_path
        _json_path.parse = jsonpath_ng.ext.parse
        _result_path.parse = jsonpath_ng.parse
        # moto parses a machine's ASL with ANTLR (pure Python) at every StartExecution: an eighth of
        # its busy time in a sweep, where every finding event starts a ForwardToMembers execution.
        # Only ANTLR's parse tree is kept per definition text (the preprocessor reads it and never
        # changes it); the evaluation components, which hold an execution's state, are still built
        # afresh for each execution, as before. A definition that does not parse is never kept.
        from moto.stepfunctions.parser.asl.parse import asl_parser as _asl_parser
        _parse_asl = _asl_parser.AmazonStateLanguageParser.parse
        @functools.lru_cache(maxsize=256)
        def _asl_tree(definition):
            return _parse_asl(definition)[1]
        def _parse_asl_once(definition):
            tree = _asl_tree(definition)
            return _asl_parser.Preprocessor().visit(tree), tree
        _asl_parser.AmazonStateLanguageParser.parse = staticmethod(_parse_asl_once)
        # moto's SQS builds every attribute of a queue, counting its messages three times (visible,
        # delayed, in flight: a clock read per message), whenever one attribute is read: on every
        # SendMessage (ContentBasedDeduplication) and, in ReceiveMessage, three times per message
        # considered (its retention period). A bridge queue that grows during a sweep made that
        # quadratic: a sixth of moto's busy time for 500 VPCs. Same keys and values, each computed
        # when read.
        import collections.abc as _abc
        import json as _json
        from moto.core.utils import camelcase_to_underscores as _underscores
        from moto.sqs import models as _sqs
        class _QueueAttributes(_abc.Mapping):
            def __init__(self, queue):
                self._queue = queue
                names = list(queue.BASE_ATTRIBUTES)
                if queue.fifo_queue:
                    names += queue.FIFO_ATTRIBUTES
                if queue.kms_master_key_id:
                    names += queue.KMS_ATTRIBUTES
                self._names = list(dict.fromkeys(names))
            def __getitem__(self, name):
                if name not in self._names:
                    raise KeyError(name)
                queue = self._queue
                if name == "Policy" and queue.policy:
                    value = queue.policy
                elif name == "RedrivePolicy" and queue.redrive_policy:
                    value = _json.dumps(queue.redrive_policy)
                else:
                    value = getattr(queue, _underscores(name))
                return str(value).lower() if isinstance(value, bool) else value
            def __iter__(self):
                return iter(self._names)
            def __len__(self):
                return len(self._names)
        _sqs.Queue.attributes = property(_QueueAttributes)
        # moto's TransactWriteItems backs up each table it writes (a deep copy of the whole table)
        # and, when one condition fails, puts the backups back: any item another request thread
        # wrote to that table in between is undone, so under concurrent claims a ledger record could
        # vanish (seen in the chaos test on a loaded machine). DynamoDB is atomic per item and per
        # transaction and never loses another writer's item: serialise moto's DynamoDB writes, so a
        # failed transaction undoes only itself.
        from moto.dynamodb.models import DynamoDBBackend as _DynamoDB
        _dynamodb_writes = threading.RLock()
        def _one_writer_at_a_time(original):
            @functools.wraps(original)
            def write(self, *args, **kwargs):
                with _dynamodb_writes:
                    return original(self, *args, **kwargs)
            return write
        for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "create_table", "delete_table", "update_table"):
            setattr(_DynamoDB, _name, _one_writer_at_a_time(getattr(_DynamoDB, _name)))
        # The server looks up its list of service modules (a directory listing) on every request,
        # under the lock every request takes; the list never changes while it runs.
        from moto import backends as _backends
        _modules = tuple(_backends.list_of_moto_modules())
        _backends.list_of_moto_modules = lambda: _modules
        # One access-log line per request costs more than many requests do (we never read them); only
        # werkzeug's start-up line "Running on http://host:port" is kept: it proves that this process bound the port.
        import logging
        class _StartupLineOnly(logging.Filter):
            def filter(self, record):
                return isinstance(record.msg, str) and "Running on" in record.msg
        logging.getLogger("werkzeug").setLevel(logging.INFO)
        logging.getLogger("werkzeug").addFilter(_StartupLineOnly())
        # werkzeug's development server closes the connection after every response (Connection:
        # close, by design), so each request cost moto a new connection, a new thread and the
        # draining of the socket, and its caller a new TCP connection: in profiles a sixth of moto's
        # busy time. The same WSGI app is served here over HTTP/1.1 keep-alive: one thread per
        # connection for as long as the client keeps it, each response buffered and sent with its
        # Content-Length (moto's responses are built in memory anyway).
        import http.server, io, socketserver, urllib.parse
        class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; on a kept-alive connection Nagle's algorithm
            # would hold the body back until the client's delayed ACK (40 ms a response).
            disable_nagle_algorithm = True
            wsgi_app = None
            def log_message(self, *args):
                pass
            def _body(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(parts)
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""
            def _serve(self):
                body = self._body()
                path, _, query = self.path.partition("?")
                host, port = self.server.server_address[:2]
                environ = {
                    "REQUEST_METHOD": self.command, "SCRIPT_NAME": "", "QUERY_STRING": query,
                    "PATH_INFO": urllib.parse.unquote_to_bytes(path).decode("latin-1"),
                    "REQUEST_URI": self.path, "RAW_URI": self.path,
                    "SERVER_NAME": host, "SERVER_PORT": str(port), "SERVER_PROTOCOL": self.request_version,
                    "REMOTE_ADDR": self.client_address[0], "REMOTE_PORT": self.client_address[1],
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
                    "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
                    "wsgi.url_scheme": "http", "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
                }
                for key, value in self.headers.items():
                    name = key.upper().replace("-", "_")
                    # The body is read whole above (de-chunked): its length is CONTENT_LENGTH.
                    if name not in ("CONTENT_TYPE", "CONTENT_LENGTH", "TRANSFER_ENCODING"):
                        environ["HTTP_" + name] = value if "HTTP_" + name not in environ else environ["HTTP_" + name] + "," + value
                started = []
                chunks = []
                def start_response(status, headers, exc_info=None):
                    started[:] = [status, headers]
                    return chunks.append
                try:
                    result = self.wsgi_app(environ, start_response)
                    try:
                        for chunk in result:
                            chunks.append(chunk)
                    finally:
                        if hasattr(result, "close"):
                            result.close()
                except Exception as error:
                    # What werkzeug's server does too: an answer, not a dropped connection.
                    started[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]]
                    chunks[:] = [f"{type(error).__name__}: {error}".encode()]
                status, headers = started
                code = int(status.split(" ", 1)[0])
                data = b"".join(chunks)
                self.send_response(code, status.split(" ", 1)[1] if " " in status else "")
                for key, value in headers:
                    if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(key, value)
                if self.command == "HEAD":
                    for key, value in headers:
                        if key.lower() == "content-length":
                            self.send_header(key, value)
                elif not (100 <= code < 200 or code in (204, 304)):
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD" and data:
                    self.wfile.write(data)
            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve
        class _KeepAliveServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
        def _serve_keep_alive(hostname, port, application, **ignored):
            handler = type("_Handler", (_KeepAliveHandler,), {"wsgi_app": staticmethod(application)})
            server = _KeepAliveServer((hostname, port), handler)
            from werkzeug._internal import _log
            _log("info", " * Running on http://%s:%d", hostname, port)
            server.serve_forever()
        import moto.server as _moto_server
        _moto_server.run_simple = _serve_keep_alive
        from moto.server import main
        main(sys.argv[1:])
        """;

    private readonly Process process;
    private readonly StringBuilder log = new();

    private MotoServer(Process process, int port)
    {
        this.process = process;
        Port = port;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri Endpoint { get; }

    /// <summary>The last lines moto printed (for error messages).</summary>
    public string RecentOutput
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts moto on <paramref name="port"/> (0 = a free one) and waits until it answers.
    /// <paramref name="motoPortForCallbacks"/> is the port moto's own Step Functions engine calls
    /// for Lambda, EventBridge and SNS (the local host's port); defaults to moto's own port.
    /// </summary>
    public static async Task<MotoServer> StartAsync(int port = 0, int? motoPortForCallbacks = null, CancellationToken ct = default)
    {
        if (port != 0)
        {
            return await StartOnAsync(port, motoPortForCallbacks, ct);
        }
        // A free port can be taken by another process between our choice and moto's bind (test projects
        // start their motos in parallel): moto then exits with "Address already in use", and we choose again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnAsync(FreeLoopbackPort(), motoPortForCallbacks, ct);
            }
            catch (MotoUnavailable e) when (attempt < 3 && e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<MotoServer> StartOnAsync(int port, int? motoPortForCallbacks, CancellationToken ct)
    {
        var python = PythonLocator.Python;
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-c", Launcher, "-H", "127.0.0.1", "-p", port.ToString() })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["MOTO_PORT"] = (motoPortForCallbacks ?? port).ToString();
        // moto must not see real credentials or endpoints of whoever runs us.
        info.Environment["AWS_ACCESS_KEY_ID"] = "testing";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = "testing";
        info.Environment.Remove("AWS_PROFILE");
        info.Environment.Remove("AWS_SESSION_TOKEN");
        info.Environment["PYTHONUNBUFFERED"] = "1";

        var process = Process.Start(info) ?? throw new MotoUnavailable($"could not start {python}");
        var server = new MotoServer(process, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Clears every resource in every account and region.</summary>
    public async Task ResetAsync(CancellationToken ct = default)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Endpoint, "/moto-api/reset"), null, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Sets moto's runtime configuration, e.g. Step Functions execution.</summary>
    public async Task ConfigureAsync(string json, CancellationToken ct = default)
    {
        using var http = new HttpClient();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(Endpoint, "/moto-api/config"), content, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A port nobody listens on right now (the OS picks it).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            log.AppendLine(line);
            if (log.Length > 20_000)
            {
                log.Remove(0, log.Length - 10_000);
            }
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new MotoUnavailable($"moto exited with code {process.ExitCode} on port {Port}:\n{RecentOutput}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "/moto-api/data.json"), ct);
                // Another moto may answer on this port while ours fails to bind it: ready only once ours said it runs there.
                if (response.IsSuccessStatusCode && RecentOutput.Contains($"Running on {Endpoint.ToString().TrimEnd('/')}", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(200, ct);
        }
        throw new MotoUnavailable($"moto did not answer on port {Port} within {timeout.TotalSeconds:0} s:\n{RecentOutput}");
    }
}
