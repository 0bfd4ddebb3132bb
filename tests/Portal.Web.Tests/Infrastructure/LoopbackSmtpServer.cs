using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Portal.Web.Tests.Infrastructure;

/// <summary>
/// A minimal SMTP server on a loopback port (EHLO, MAIL FROM, RCPT TO, DATA, QUIT) that keeps every message it receives,
/// so email is tested over a real SMTP conversation without a mail server.
/// </summary>
public sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackSmtpServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<SmtpMessage> Messages { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 localhost test SMTP");
                var from = "";
                var to = new List<string>();
                while (await reader.ReadLineAsync() is { } line)
                {
                    var command = line.ToUpperInvariant();
                    if (command.StartsWith("EHLO", StringComparison.Ordinal) || command.StartsWith("HELO", StringComparison.Ordinal))
                    {
                        await writer.WriteLineAsync("250-localhost");
                        await writer.WriteLineAsync("250 OK");
                    }
                    else if (command.StartsWith("MAIL FROM:", StringComparison.Ordinal))
                    {
                        from = Address(line);
                        to.Clear();
                        await writer.WriteLineAsync("250 OK");
                    }
                    else if (command.StartsWith("RCPT TO:", StringComparison.Ordinal))
                    {
                        to.Add(Address(line));
                        await writer.WriteLineAsync("250 OK");
                    }
                    else if (command == "DATA")
                    {
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine).Append('\n');
                        }

                        Messages.Enqueue(new SmtpMessage(from, [.. to], data.ToString()));
                        await writer.WriteLineAsync("250 OK queued");
                    }
                    else if (command == "QUIT")
                    {
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    }
                    else
                    {
                        await writer.WriteLineAsync("250 OK");
                    }
                }
            }
            catch (IOException)
            {
                // The client hung up.
            }
        }
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<', StringComparison.Ordinal);
        var end = line.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? line[(start + 1)..end] : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}

/// <summary>One received message: envelope sender and recipients, and the raw data (headers and body).</summary>
public sealed record SmtpMessage(string From, IReadOnlyList<string> To, string Data);
