; Inno Setup script of the Windows installer (packaging/README.md). Not built on this project's
; Linux machines: run on Windows after `pyinstaller packaging\elm-desktop.spec` has made
; build\package\dist\elm-desktop\ (see the README for the exact commands), then
;   iscc /DVersion=0.1.0 packaging\windows\elm-desktop.iss
; It installs for the current user (no administrator rights), under %LOCALAPPDATA%\Programs,
; and opens .edf and .bdf files on a double-click. An administrator can install it for all users
; with /ALLUSERS on the command line (silent: /VERYSILENT /SUPPRESSMSGBOXES /ALLUSERS).

#ifndef Version
  #error Pass the version: iscc /DVersion=X.Y.Z (elm_desktop\version.py)
#endif

[Setup]
AppId={{6B0B8E0C-4C5E-4F52-9F5B-3E1D2A7C9E41}
AppName=ELM Desktop
AppVersion={#Version}
AppPublisher=ELM Desktop maintainers
DefaultDirName={autopf}\ELM Desktop
DefaultGroupName=ELM Desktop
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=elm-desktop-{#Version}-windows-x64-setup
Compression=lzma2/ultra64
SolidCompression=yes
ChangesAssociations=yes
UninstallDisplayIcon={app}\elm-desktop.exe
; Sign with the hospital's or publisher's certificate (packaging/README.md, "Signing"):
; SignTool=signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 $f

[Files]
Source: "..\..\build\package\dist\elm-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\ELM Desktop"; Filename: "{app}\elm-desktop.exe"; Parameters: "gui"
Name: "{group}\Uninstall ELM Desktop"; Filename: "{uninstallexe}"

[Registry]
; .edf and .bdf open in the program (per user, or per machine with /ALLUSERS).
Root: HKA; Subkey: "Software\Classes\.edf\OpenWithProgids"; ValueType: string; ValueName: "ElmDesktop.Recording"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.bdf\OpenWithProgids"; ValueType: string; ValueName: "ElmDesktop.Recording"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\ElmDesktop.Recording"; ValueType: string; ValueName: ""; ValueData: "EEG recording (EDF/BDF)"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\ElmDesktop.Recording\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\elm-desktop.exe,0"
Root: HKA; Subkey: "Software\Classes\ElmDesktop.Recording\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\elm-desktop.exe"" gui ""%1"""
