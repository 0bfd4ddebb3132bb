using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Mail;

/// <summary>
/// Sends plain-text email through the configured SMTP server (System.Net.Mail); does nothing when <c>Smtp:Host</c> is unset.
/// A failure is logged and reported as false, never thrown: email accompanies in-app notifications, it does not replace them.
/// </summary>
public sealed partial class PortalMailer(IOptions<SmtpOptions> options, ILogger<PortalMailer> logger)
{
    public bool IsEnabled => options.Value.IsConfigured;

    public async Task<bool> SendAsync(IReadOnlyCollection<string> to, string subject, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(to);
        var smtp = options.Value;
        var recipients = to.Where(a => !string.IsNullOrWhiteSpace(a)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (!smtp.IsConfigured || recipients.Count == 0)
        {
            return false;
        }

        try
        {
            using var message = new MailMessage { From = new MailAddress(smtp.From!), Subject = subject, Body = body, IsBodyHtml = false };
            foreach (var address in recipients)
            {
                message.Bcc.Add(address);
            }

            using var client = new SmtpClient(smtp.Host, smtp.Port) { EnableSsl = smtp.EnableSsl, DeliveryMethod = SmtpDeliveryMethod.Network };
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                client.Credentials = new NetworkCredential(smtp.UserName, smtp.Password);
            }

            await client.SendMailAsync(message, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is SmtpException or InvalidOperationException or FormatException or IOException)
        {
            LogFailed(e, subject, smtp.Host!, smtp.Port);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email '{Subject}' could not be sent through {Host}:{Port}")]
    private partial void LogFailed(Exception exception, string subject, string host, int port);
}

/// <summary>Cross-field checks of <see cref="SmtpOptions"/>; messages name the key.</summary>
public sealed class SmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsConfigured && string.IsNullOrWhiteSpace(options.From))
        {
            return ValidateOptionsResult.Fail($"{SmtpOptions.SectionName}:From is required when {SmtpOptions.SectionName}:Host is set.");
        }

        if (!string.IsNullOrEmpty(options.Password) && string.IsNullOrEmpty(options.UserName))
        {
            return ValidateOptionsResult.Fail($"{SmtpOptions.SectionName}:UserName is required when {SmtpOptions.SectionName}:Password is set.");
        }

        return ValidateOptionsResult.Success;
    }
}

public static class MailServiceCollectionExtensions
{
    /// <summary>Registers <see cref="SmtpOptions"/> (section <c>Smtp</c>, validated at start) and <see cref="PortalMailer"/>.</summary>
    public static IServiceCollection AddPortalMail(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpOptions>, SmtpOptionsValidator>());
        services.TryAddSingleton<PortalMailer>();
        return services;
    }
}
