// The ixi-UMS Voice-Mail Server manual §5.3.5, "Set IXI-UMS data as default": the user data
// ixi-UMS writes for a new user (PIN 12345), as the codec and the migration read it.
export const MANUAL_DEFAULT_DATA: readonly string[] = [
  'IXIISDNOriginatingAddress=',
  'IXIFaxSenderNumber=',
  'IXICostCenter=',
  'IXIMessageHeader=',
  'IXIFaxMaxPages=0',
  'IXIPermSendPriority=',
  'IXIFAXPermTsvc=4',
  'IXISMSPermTsvc=4',
  'IXIVOCPermTsvc=4',
  'IXI-UMSMobileEnabled=Y',
  'IXI-UMSPINFailureCount=0',
  'IXI-UMSMobilePIN=MTIzNDU=',
  'IXI-UMSMobileLevel=M',
  'IXI-UMSMobileAnnouncementFlags=ENEN...',
  'IXI-UMSMobileNoMessageProfiles=',
  'IXI-UMSMobileOH=',
  'ixi-umsMobileRestrictionFlags=.....',
  'ixi-umsMobileIMAPMailbox=inbox',
  'MNThrhlds=',
  'MNDestDev=',
];
