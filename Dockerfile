# Multi-stage build of the portal. The build stage is plain `dotnet publish`, runnable without Docker:
#   dotnet publish src/Portal.Web -c Release -o out
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Portal.Web -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
# Run as the image's unprivileged user; the data directory is the only place the portal writes.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Portal__DataDirectory=/data
RUN mkdir -p /data && chown app:app /data
USER app
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD ["dotnet", "Portal.Web.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Portal.Web.dll"]
