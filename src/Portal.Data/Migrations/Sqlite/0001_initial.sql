-- 0001: initial schema (teams, identity, tokens, audit, data-protection keys).
-- Generated once from the EF model with GenerateCreateScript(), then owned by hand; the schema test keeps it honest.

CREATE TABLE "AuditEvents" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_AuditEvents" PRIMARY KEY AUTOINCREMENT,
    "OccurredAt" INTEGER NOT NULL,
    "ActorId" TEXT NULL,
    "Actor" TEXT NOT NULL,
    "Action" TEXT NOT NULL,
    "TargetType" TEXT NOT NULL,
    "TargetId" TEXT NOT NULL,
    "TraceId" TEXT NULL,
    "Detail" TEXT NOT NULL
);


CREATE TABLE "DataProtectionKeys" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_DataProtectionKeys" PRIMARY KEY AUTOINCREMENT,
    "FriendlyName" TEXT NULL,
    "Xml" TEXT NOT NULL
);


CREATE TABLE "Roles" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Roles" PRIMARY KEY,
    "Name" TEXT NULL,
    "NormalizedName" TEXT NULL,
    "ConcurrencyStamp" TEXT NULL
);


CREATE TABLE "Teams" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Teams" PRIMARY KEY,
    "Slug" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "CostCenter" TEXT NOT NULL,
    "MonthlyBudgetUsd" REAL NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "UpdatedAt" INTEGER NOT NULL
);


CREATE TABLE "Users" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Users" PRIMARY KEY,
    "DisplayName" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "UserName" TEXT NULL,
    "NormalizedUserName" TEXT NULL,
    "Email" TEXT NULL,
    "NormalizedEmail" TEXT NULL,
    "EmailConfirmed" INTEGER NOT NULL,
    "PasswordHash" TEXT NULL,
    "SecurityStamp" TEXT NULL,
    "ConcurrencyStamp" TEXT NULL,
    "PhoneNumber" TEXT NULL,
    "PhoneNumberConfirmed" INTEGER NOT NULL,
    "TwoFactorEnabled" INTEGER NOT NULL,
    "LockoutEnd" INTEGER NULL,
    "LockoutEnabled" INTEGER NOT NULL,
    "AccessFailedCount" INTEGER NOT NULL
);


CREATE TABLE "RoleClaims" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_RoleClaims" PRIMARY KEY AUTOINCREMENT,
    "RoleId" TEXT NOT NULL,
    "ClaimType" TEXT NULL,
    "ClaimValue" TEXT NULL,
    CONSTRAINT "FK_RoleClaims_Roles_RoleId" FOREIGN KEY ("RoleId") REFERENCES "Roles" ("Id") ON DELETE CASCADE
);


CREATE TABLE "PersonalAccessTokens" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_PersonalAccessTokens" PRIMARY KEY,
    "UserId" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Prefix" TEXT NOT NULL,
    "TokenHash" TEXT NOT NULL,
    "Scopes" INTEGER NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "ExpiresAt" INTEGER NULL,
    "LastUsedAt" INTEGER NULL,
    "RevokedAt" INTEGER NULL,
    CONSTRAINT "FK_PersonalAccessTokens_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);


CREATE TABLE "TeamMemberships" (
    "TeamId" TEXT NOT NULL,
    "UserId" TEXT NOT NULL,
    "JoinedAt" INTEGER NOT NULL,
    CONSTRAINT "PK_TeamMemberships" PRIMARY KEY ("TeamId", "UserId"),
    CONSTRAINT "FK_TeamMemberships_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_TeamMemberships_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);


CREATE TABLE "UserClaims" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_UserClaims" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "ClaimType" TEXT NULL,
    "ClaimValue" TEXT NULL,
    CONSTRAINT "FK_UserClaims_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);


CREATE TABLE "UserLogins" (
    "LoginProvider" TEXT NOT NULL,
    "ProviderKey" TEXT NOT NULL,
    "ProviderDisplayName" TEXT NULL,
    "UserId" TEXT NOT NULL,
    CONSTRAINT "PK_UserLogins" PRIMARY KEY ("LoginProvider", "ProviderKey"),
    CONSTRAINT "FK_UserLogins_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);


CREATE TABLE "UserRoles" (
    "UserId" TEXT NOT NULL,
    "RoleId" TEXT NOT NULL,
    CONSTRAINT "PK_UserRoles" PRIMARY KEY ("UserId", "RoleId"),
    CONSTRAINT "FK_UserRoles_Roles_RoleId" FOREIGN KEY ("RoleId") REFERENCES "Roles" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_UserRoles_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);


CREATE TABLE "UserTokens" (
    "UserId" TEXT NOT NULL,
    "LoginProvider" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Value" TEXT NULL,
    CONSTRAINT "PK_UserTokens" PRIMARY KEY ("UserId", "LoginProvider", "Name"),
    CONSTRAINT "FK_UserTokens_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);


CREATE INDEX "IX_AuditEvents_Action_OccurredAt" ON "AuditEvents" ("Action", "OccurredAt");


CREATE INDEX "IX_AuditEvents_Actor_OccurredAt" ON "AuditEvents" ("Actor", "OccurredAt");


CREATE INDEX "IX_AuditEvents_OccurredAt" ON "AuditEvents" ("OccurredAt");


CREATE INDEX "IX_AuditEvents_TargetType_TargetId" ON "AuditEvents" ("TargetType", "TargetId");


CREATE UNIQUE INDEX "IX_PersonalAccessTokens_TokenHash" ON "PersonalAccessTokens" ("TokenHash");


CREATE INDEX "IX_PersonalAccessTokens_UserId" ON "PersonalAccessTokens" ("UserId");


CREATE INDEX "IX_RoleClaims_RoleId" ON "RoleClaims" ("RoleId");


CREATE UNIQUE INDEX "RoleNameIndex" ON "Roles" ("NormalizedName");


CREATE INDEX "IX_TeamMemberships_UserId" ON "TeamMemberships" ("UserId");


CREATE UNIQUE INDEX "IX_Teams_Slug" ON "Teams" ("Slug");


CREATE INDEX "IX_UserClaims_UserId" ON "UserClaims" ("UserId");


CREATE INDEX "IX_UserLogins_UserId" ON "UserLogins" ("UserId");


CREATE INDEX "IX_UserRoles_RoleId" ON "UserRoles" ("RoleId");


CREATE INDEX "EmailIndex" ON "Users" ("NormalizedEmail");


CREATE UNIQUE INDEX "UserNameIndex" ON "Users" ("NormalizedUserName");



-- Audit is append-only, as on PostgreSQL.
CREATE TRIGGER "TR_AuditEvents_NoUpdate" BEFORE UPDATE ON "AuditEvents"
BEGIN
    SELECT RAISE(ABORT, 'AuditEvents is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER "TR_AuditEvents_NoDelete" BEFORE DELETE ON "AuditEvents"
BEGIN
    SELECT RAISE(ABORT, 'AuditEvents is append-only: DELETE is not allowed');
END;
