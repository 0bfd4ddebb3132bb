using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Mail;

/// <summary>Outgoing mail (configuration section <c>Smtp</c>). Without <see cref="Host"/> the portal sends no email.</summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Smtp";

    /// <summary>The SMTP server; empty turns email off (in-app notifications still go out).</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    /// <summary>Sender address, required when <see cref="Host"/> is set.</summary>
    [EmailAddress]
    public string? From { get; set; }

    public string? UserName { get; set; }

    /// <summary>Only with <see cref="UserName"/>; never logged.</summary>
    public string? Password { get; set; }

    /// <summary>STARTTLS.</summary>
    public bool EnableSsl { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}
