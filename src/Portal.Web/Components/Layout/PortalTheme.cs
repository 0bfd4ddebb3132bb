using MudBlazor;

namespace Portal.Web.Components.Layout;

/// <summary>
/// The portal's one theme: light and dark palettes, the system font stack (no web fonts: the portal runs without internet
/// and the CSP allows only its own fonts), compact headings so tables and cards fit at 390 px.
/// </summary>
public static class PortalTheme
{
    /// <summary>The cookie that remembers the dark-mode choice ("dark" or "light"); read on the server so pages render in the right mode.</summary>
    public const string CookieName = "portal-theme";

    private static readonly string[] SystemFonts =
        ["system-ui", "-apple-system", "\"Segoe UI\"", "Roboto", "\"Helvetica Neue\"", "Arial", "\"Noto Sans\"", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3559c7",
            Secondary = "#6b4fbb",
            Tertiary = "#0f8a8a",
            Info = "#0277bd",
            Success = "#2e7d32",
            Warning = "#b26a00",
            Error = "#c62828",
            AppbarBackground = "#1f2a44",
            AppbarText = "#ffffff",
            Background = "#f5f6fa",
            Surface = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "rgba(0,0,0,0.8)",
            TextPrimary = "rgba(0,0,0,0.87)",
            TextSecondary = "rgba(0,0,0,0.62)",
            TableLines = "#e6e8ef",
            Divider = "#e0e3eb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ea8ff",
            // Light primary in the dark: dark text on filled buttons reads better than white.
            PrimaryContrastText = "#0f131a",
            Secondary = "#b39ddb",
            Tertiary = "#4fc3c3",
            Info = "#4fc3f7",
            Success = "#66bb6a",
            Warning = "#ffb74d",
            Error = "#ef5350",
            AppbarBackground = "#161b26",
            AppbarText = "rgba(255,255,255,0.92)",
            Background = "#0f131a",
            Surface = "#1a2029",
            DrawerBackground = "#141922",
            DrawerText = "rgba(255,255,255,0.82)",
            TextPrimary = "rgba(255,255,255,0.88)",
            TextSecondary = "rgba(255,255,255,0.62)",
            TableLines = "#2b3340",
            Divider = "#2b3340",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts, FontSize = ".9375rem", LineHeight = "1.5" },
            H1 = new H1Typography { FontFamily = SystemFonts, FontSize = "1.6rem", FontWeight = "500", LineHeight = "1.25" },
            H2 = new H2Typography { FontFamily = SystemFonts, FontSize = "1.3rem", FontWeight = "500", LineHeight = "1.3" },
            H3 = new H3Typography { FontFamily = SystemFonts, FontSize = "1.15rem", FontWeight = "500", LineHeight = "1.3" },
            H4 = new H4Typography { FontFamily = SystemFonts, FontSize = "1.6rem", FontWeight = "500", LineHeight = "1.25" },
            H5 = new H5Typography { FontFamily = SystemFonts, FontSize = "1.3rem", FontWeight = "500", LineHeight = "1.3" },
            H6 = new H6Typography { FontFamily = SystemFonts, FontSize = "1.05rem", FontWeight = "500", LineHeight = "1.35" },
            Subtitle1 = new Subtitle1Typography { FontFamily = SystemFonts },
            Subtitle2 = new Subtitle2Typography { FontFamily = SystemFonts },
            Body1 = new Body1Typography { FontFamily = SystemFonts, FontSize = ".9375rem" },
            Body2 = new Body2Typography { FontFamily = SystemFonts, FontSize = ".875rem" },
            Button = new ButtonTypography { FontFamily = SystemFonts, TextTransform = "none", FontWeight = "500" },
            Caption = new CaptionTypography { FontFamily = SystemFonts },
            Overline = new OverlineTypography { FontFamily = SystemFonts },
        },
        LayoutProperties = new LayoutProperties
        {
            DefaultBorderRadius = "6px",
            DrawerWidthLeft = "240px",
            AppbarHeight = "56px",
        },
    };

    /// <summary>Whether the request's cookie asks for dark mode.</summary>
    public static bool IsDark(HttpContext? context) =>
        context?.Request.Cookies[CookieName] is "dark";
}
